namespace Commerce.Operations;

/// <summary>
/// The page's settings: Prometheus's address (from Aspire's service discovery, <c>services__prometheus__http__0</c>),
/// the scrape job whose traffic is the system's, and where the Aspire dashboard is.
/// </summary>
public sealed record OperationsSettings(Uri Prometheus, string GatewayJob, Uri? AspireDashboardUrl)
{
    public const string PrometheusKey = "services:prometheus:http:0";
    public const string GatewayJobKey = "Operations:GatewayJob";
    public const string AspireDashboardUrlKey = "Operations:AspireDashboardUrl";

    /// <summary>Prometheus scrapes each service under its resource name; the AppHost names the Gateway "gateway".</summary>
    public const string DefaultGatewayJob = "gateway";

    /// <summary>Fails at once, with what to set, when Prometheus's address is missing: a page without it shows nothing.</summary>
    public static OperationsSettings From(IConfiguration configuration)
    {
        var prometheus = configuration[PrometheusKey] is { Length: > 0 } address
            ? HttpUri(address, PrometheusKey)
            : throw new InvalidOperationException(
                $"Prometheus's address is not configured: set {PrometheusKey} (environment services__prometheus__http__0), "
                + "which Aspire sets when the AppHost gives the operations project .WithReference(prometheus).");
        var aspireDashboard = configuration[AspireDashboardUrlKey] is { Length: > 0 } url ? HttpUri(url, AspireDashboardUrlKey) : null;
        var gatewayJob = configuration[GatewayJobKey] is { Length: > 0 } job ? job : DefaultGatewayJob;
        return new OperationsSettings(prometheus, gatewayJob, aspireDashboard);
    }

    private static Uri HttpUri(string value, string key) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException($"{key} must be an absolute http or https URL, not \"{value}\".");
}
