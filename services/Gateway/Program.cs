using Commerce.Gateway.DevTokens;
using Commerce.Gateway.Routing;
using Commerce.Gateway.Traffic;

// The build writes the storefront's OpenAPI document into docs/openapi with this program (Gateway.csproj); no server starts.
if (args is [StorefrontDocumentFile.Command, var output, .. var serviceDocuments])
{
    return StorefrontDocumentFile.Write(output, serviceDocuments);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddStorefrontRoutes();
builder.AddPerCallerRateLimiting();

var app = builder.Build();

app.UseCorrelationId();
app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.UseRequestTimeouts();

if (app.Environment.IsDevelopment())
{
    app.MapDevTokens();
}

app.MapStorefrontOpenApi();
app.MapStorefrontRoutes();

app.Run();
return 0;
