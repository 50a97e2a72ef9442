using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.ServiceDefaults.Auth;
using Scalar.AspNetCore;

namespace Commerce.Gateway.Routing;

/// <summary>
/// The storefront's contract: one OpenAPI document (<c>/openapi/storefront.json</c>) of the public <c>/api</c> surface,
/// merged from the services' own documents (ASP.NET Core's build-time OpenAPI) with what the Gateway enforces added to each
/// operation: the bearer token (and 401/403) where its route needs one, the rate limit (429), its timeout (504), a service
/// it cannot reach (502/503). The build merges it into docs/openapi/storefront.json (<see cref="StorefrontDocumentFile"/>)
/// and copies that file next to the Gateway, which serves it as it is: the contract does not wait for five services to
/// answer, and what clients read is the reviewed file. The interactive reference (Scalar) is at <c>/scalar</c> in
/// Development. A test checks that each running service's own document is its build-time one.
/// </summary>
/// <remarks>
/// ASP.NET Core has no merge of several services' documents and the registry has no OpenAPI gateway package; this is the
/// smallest version: paths and component schemas are unions (the services share no type name with a different shape).
/// </remarks>
public static class StorefrontOpenApi
{
    public const string DocumentPath = "/openapi/storefront.json";

    /// <summary>Where the build puts the document next to the Gateway (Gateway.csproj).</summary>
    public static readonly string ServedFile = Path.Combine(AppContext.BaseDirectory, "storefront.json");

    /// <summary>Every <c>code</c> a ProblemDetails answer of the storefront can carry (ServiceDefaults' Problems and the services).</summary>
    public static readonly string[] ProblemCodes =
    [
        "validation_failed", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict", "payload_too_large",
        "unsupported_media_type", "rate_limited", "unavailable", "error", "order_in_progress", "orders_busy", "idempotency_key_reused",
        "already_issued", "coupon_sold_out", "coupon_not_active", "gateway_timeout", "bad_gateway",
    ];

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    /// <summary>
    /// The storefront's document from each service's own (by service name): what the Gateway serves, and what the build
    /// writes into docs/openapi/storefront.json from the services' build-time documents (<see cref="StorefrontDocumentFile"/>).
    /// </summary>
    public static string Merge(IReadOnlyDictionary<string, string> documents)
    {
        var paths = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var schemas = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var service in StorefrontRoutes.Services.Order(StringComparer.Ordinal))
        {
            var own = JsonNode.Parse(documents[service])!;
            foreach (var (path, item) in own["paths"]?.AsObject() ?? [])
            {
                var operations = item!.DeepClone().AsObject();
                foreach (var method in Methods.Where(operations.ContainsKey))
                {
                    Describe(path, method, operations[method]!.AsObject(), service);
                }

                paths[path] = operations;
            }

            foreach (var (name, schema) in own["components"]?["schemas"]?.AsObject() ?? [])
            {
                schemas.TryAdd(name, schema!.DeepClone());
            }
        }

        schemas["ProblemDetails"] = ProblemSchema(validation: false);
        schemas["HttpValidationProblemDetails"] = ProblemSchema(validation: true);
        var merged = new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Commerce storefront API",
                ["version"] = "v1",
                ["description"] = "The public API of Commerce as the storefront calls it, through the Gateway. How to call it " +
                    "(tokens, Idempotency-Key, retries, errors): docs/api.md in the repository.",
            },
            ["paths"] = new JsonObject(paths.Select(path => KeyValuePair.Create(path.Key, (JsonNode?)path.Value))),
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject(schemas.Select(schema => KeyValuePair.Create(schema.Key, (JsonNode?)schema.Value))),
                ["securitySchemes"] = new JsonObject
                {
                    ["bearer"] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["bearerFormat"] = "JWT",
                        ["description"] = "A JWT whose sub is the user id; the admin role for /api/admin. In Development: POST /dev/token.",
                    },
                },
            },
            ["tags"] = new JsonArray([.. StorefrontRoutes.Services.Order(StringComparer.Ordinal).Select(service => (JsonNode)new JsonObject { ["name"] = service })]),
        };
        return merged.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>What the Gateway adds to an operation: its service's tag, auth as its route enforces it, and the Gateway's own answers.</summary>
    private static void Describe(string path, string method, JsonObject operation, string service)
    {
        operation["tags"] = new JsonArray(service);
        var responses = operation["responses"] as JsonObject ?? [];
        operation["responses"] = responses;
        var policy = StorefrontRoutes.PolicyFor(path, method.ToUpperInvariant());
        if (policy != StorefrontRoutes.Anyone)
        {
            operation["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() });
            AddProblem(responses, 401, "No valid bearer token.");
            if (policy == AuthSettings.AdminPolicy) AddProblem(responses, 403, "The token lacks the admin role.");
        }

        AddProblem(responses, 429, "Too many requests from this caller; retry after Retry-After.");
        AddProblem(responses, 502, "The Gateway could not reach the service.");
        AddProblem(responses, 503, "A dependency is unavailable; nothing changed. Retry after Retry-After.");
        AddProblem(responses, 504, "The service did not answer within the Gateway's timeout.");

        foreach (var parameter in (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(parameter => parameter["name"]?.GetValue<string>() == "Idempotency-Key"))
        {
            parameter["required"] = true;
            parameter["description"] = "Required. One key per intended action: the same key again replays the first answer " +
                "(200 with the same order or deposit); the same key with a different body is 422 idempotency_key_reused.";
        }

        if (path == "/api/orders" && method == "post" && operation["requestBody"]?["content"]?["application/json"] is JsonObject order)
        {
            order["example"] = new JsonObject
            {
                ["items"] = new JsonArray(new JsonObject { ["productId"] = "lunch-bibimbap", ["quantity"] = 1 }),
                ["couponId"] = null,
            };
        }

        if (path == "/api/coupons/{couponId}/issue" && method == "post" && responses["201"]?["content"]?["application/json"] is JsonObject issued)
        {
            issued["example"] = new JsonObject
            {
                ["couponId"] = "0f8fad5b-d9cb-469f-a165-70867728950e",
                ["userId"] = "user-42",
                ["issuedAt"] = "2026-11-30T12:00:00.0000000+00:00",
            };
        }
    }

    private static void AddProblem(JsonObject responses, int status, string description)
    {
        if (responses.ContainsKey(status.ToString(System.Globalization.CultureInfo.InvariantCulture))) return;
        responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
        {
            ["description"] = description,
            ["content"] = new JsonObject
            {
                ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/ProblemDetails" } },
            },
        };
    }

    /// <summary>RFC 9457 with the <c>code</c> every client can switch on (and, for 400, the field that is wrong).</summary>
    private static JsonObject ProblemSchema(bool validation)
    {
        var properties = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
            ["title"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
            ["status"] = new JsonObject { ["type"] = new JsonArray("null", "integer"), ["format"] = "int32" },
            ["detail"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
            ["instance"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
            ["code"] = new JsonObject
            {
                ["type"] = "string",
                ["description"] = "The stable, machine-readable reason.",
                ["enum"] = new JsonArray([.. ProblemCodes.Select(code => (JsonNode)code)]),
            },
            ["correlationId"] = new JsonObject { ["type"] = "string", ["description"] = "The X-Correlation-Id of the request, for support." },
        };
        if (validation)
        {
            properties["field"] = new JsonObject { ["type"] = "string", ["description"] = "The request field that is wrong." };
            properties["errors"] = new JsonObject
            {
                ["type"] = "object",
                ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
            };
        }

        return new JsonObject { ["type"] = "object", ["properties"] = properties };
    }
}

public static class StorefrontOpenApiEndpoints
{
    public static WebApplication MapStorefrontOpenApi(this WebApplication app)
    {
        // Read once at start: a Gateway built without its contract fails here, not on a client's first request.
        var document = System.IO.File.Exists(StorefrontOpenApi.ServedFile)
            ? System.IO.File.ReadAllText(StorefrontOpenApi.ServedFile)
            : throw new InvalidOperationException($"{StorefrontOpenApi.ServedFile} is missing: the Gateway's build copies docs/openapi/storefront.json there.");
        app.MapGet(StorefrontOpenApi.DocumentPath, () => TypedResults.Text(document, "application/json"))
            .ExcludeFromDescription();
        if (app.Environment.IsDevelopment())
        {
            // The interactive reference, on the document above. No Scalar proxy: "try it" calls go from the browser straight here.
            app.MapScalarApiReference("/scalar", options => options
                .WithTitle("Commerce storefront API")
                .AddDocument("storefront", "Commerce storefront API", StorefrontOpenApi.DocumentPath)
                .WithProxy(null!));
        }

        return app;
    }
}
