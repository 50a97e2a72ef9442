namespace Commerce.Gateway.Routing;

/// <summary>
/// The build's half of the contract: after the Gateway is built, MSBuild runs it as
/// <c>Gateway --write-storefront-document OUTPUT service=DOCUMENT …</c> with each service's build-time OpenAPI document
/// (Microsoft.Extensions.ApiDescription.Server, see services/Directory.Build.props), and it writes the storefront's
/// document into the repository (docs/openapi/storefront.json), so a contract change is a diff to review
/// (<see cref="StorefrontOpenApi.Merge"/>). The build then copies it next to the Gateway, which serves that copy.
/// </summary>
public static class StorefrontDocumentFile
{
    public const string Command = "--write-storefront-document";

    /// <summary>Writes the document if it changed (an unchanged file keeps its timestamp); returns the exit code.</summary>
    public static int Write(string output, IEnumerable<string> serviceDocuments)
    {
        var documents = new Dictionary<string, string>();
        foreach (var argument in serviceDocuments)
        {
            var (service, path) = argument.Split('=', 2) is [var name, var file] ? (name, file) : throw new ArgumentException($"Expected service=path, got '{argument}'.");
            documents[service] = File.ReadAllText(path);
        }

        var missing = StorefrontRoutes.Services.Except(documents.Keys).ToList();
        if (missing.Count > 0)
        {
            Console.Error.WriteLine($"{Command}: no document for {string.Join(", ", missing)}.");
            return 2;
        }

        var merged = StorefrontOpenApi.Merge(documents);
        if (!File.Exists(output) || File.ReadAllText(output) != merged)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllText(output, merged);
            Console.WriteLine($"Wrote the storefront's OpenAPI document to {output}: review and commit the change.");
        }

        return 0;
    }
}
