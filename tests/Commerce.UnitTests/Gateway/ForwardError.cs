using Yarp.ReverseProxy.Forwarder;

namespace Commerce.UnitTests.Gateway;

/// <summary>A forward that failed the way YARP reports it, for the Gateway's tests.</summary>
internal sealed record ForwardError(ForwarderError Error, Exception? Exception = null) : IForwarderErrorFeature;
