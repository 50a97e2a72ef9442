// The AppHost runs Linux programs as Linux accounts (setpriv, pdeathsig, kill): it is Linux-only by design.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
