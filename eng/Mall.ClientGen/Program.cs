// Generates Mall.Client from the OpenAPI document the running Mall serves (the same one /swagger shows).
// Usage: Mall.ClientGen <document.json> <MallClient.g.cs>
// Runs at build time of src/Mall.Client: a change to an endpoint changes the generated client, and code using a
// signature that no longer exists stops compiling.
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NSwag;
using NSwag.CodeGeneration.CSharp;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Mall.ClientGen <document.json> <client.cs>");
    return 2;
}
var scratch = Directory.CreateTempSubdirectory("mall-clientgen-");
try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = scratch.FullName });
    builder.Logging.ClearProviders();
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Mall:Database:Provider"] = "Sqlite",
        ["Mall:Database:ConnectionString"] = $"Data Source={Path.Combine(scratch.FullName, "gen.db")}",
        ["Mall:Plugins:StorePath"] = Path.Combine(scratch.FullName, "plugins"),
        ["Mall:Plugins:DropFolder"] = "",
        ["Mall:Themes:StorePath"] = Path.Combine(scratch.FullName, "themes"),
        ["Mall:Admin:InitialUserName"] = "gen",
        ["Mall:Admin:InitialPassword"] = "clientgen-" + Guid.NewGuid().ToString("N"),
    });
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.AddMall();
    await using var app = builder.Build();
    app.MapMall();
    await app.StartAsync();
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    using var http = new HttpClient { BaseAddress = new Uri(address) };
    var json = await http.GetStringAsync("/openapi/v1.json");
    await app.StopAsync();

    var document = await OpenApiDocument.FromJsonAsync(json);
    var settings = new CSharpClientGeneratorSettings
    {
        ClassName = "MallClient",
        GenerateClientInterfaces = true,
        GenerateOptionalParameters = true,
        UseBaseUrl = false,
        GenerateExceptionClasses = true,
        ExceptionClass = "MallApiException",
        InjectHttpClient = true,
        DisposeHttpClient = false,
        OperationNameGenerator = new NSwag.CodeGeneration.OperationNameGenerators.SingleClientFromOperationIdOperationNameGenerator(),
    };
    settings.CSharpGeneratorSettings.Namespace = "Mall.Client";
    settings.CSharpGeneratorSettings.JsonLibrary = NJsonSchema.CodeGeneration.CSharp.CSharpJsonLibrary.SystemTextJson;
    settings.CSharpGeneratorSettings.GenerateNullableReferenceTypes = true;
    settings.CSharpGeneratorSettings.GenerateDataAnnotations = false;
    settings.CSharpGeneratorSettings.ClassStyle = NJsonSchema.CodeGeneration.CSharp.CSharpClassStyle.Poco;
    settings.CSharpGeneratorSettings.GenerateDefaultValues = false;
    settings.CSharpGeneratorSettings.ArrayType = "System.Collections.Generic.List";
    settings.CSharpGeneratorSettings.ArrayInstanceType = "System.Collections.Generic.List";
    settings.CSharpGeneratorSettings.DictionaryType = "System.Collections.Generic.Dictionary";
    settings.CSharpGeneratorSettings.DictionaryInstanceType = "System.Collections.Generic.Dictionary";
    var code = new CSharpClientGenerator(document, settings).GenerateFile();

    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[0]))!);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[1]))!);
    await WriteIfChangedAsync(args[0], json);
    await WriteIfChangedAsync(args[1], code);
    return 0;
}
finally
{
    try { scratch.Delete(recursive: true); } catch (IOException) { }
}

// Unchanged output keeps its timestamp, so incremental builds stay incremental.
static async Task WriteIfChangedAsync(string path, string text)
{
    if (File.Exists(path) && await File.ReadAllTextAsync(path) == text) return;
    await File.WriteAllTextAsync(path, text);
}
