namespace Commerce.AppHost.Hosting;

/// <summary>Is something listening on host:port? For servers whose only health sign is an open port.</summary>
public static class TcpProbe
{
    public static async Task<bool> IsOpenAsync(string host, int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(host, port, timeout.Token);
            return true;
        }
        catch (Exception exception) when (exception is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>
/// Does an HTTP health endpoint answer 2xx within 3 s? One client for every probe: the AppHost and the dashboard probe
/// each resource every few seconds, and a client per probe would leave a closed connection behind each time.
/// </summary>
public static class HttpProbe
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(3) };

    public static async Task<bool> IsOkAsync(string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await IsOkAsync(request, cancellationToken);
    }

    public static async Task<bool> IsOkAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Client.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}

/// <summary>The dotnet host running this process, found from the runtime folder so an empty PATH still works.</summary>
public static class DotnetHost
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var root = System.IO.Path.GetFullPath(System.IO.Path.Combine(
            System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = System.IO.Path.Combine(root, "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
