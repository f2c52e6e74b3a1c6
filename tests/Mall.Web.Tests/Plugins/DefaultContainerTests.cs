using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mall.Web.Tests.Plugins;

/// <summary>An app that keeps the default container (services.AddMall, not builder.AddMall): everything but plugins.</summary>
[Collection(PluginBuildsCollection.Name)]
public class DefaultContainerTests(PluginBuilds builds)
{
    [Fact]
    public async Task On_the_default_container_the_mall_serves_and_a_plugin_is_refused_naming_builder_AddMall()
    {
        var work = Directory.CreateTempSubdirectory("mall-default-container-");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = work.FullName });
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.AddMall(o =>
        {
            o.Database.UseSqlite($"Data Source={Path.Combine(work.FullName, "mall.db")}");
            o.Plugins.StorePath = Path.Combine(work.FullName, "plugins");
            o.Plugins.DropFolder = "";
            o.Themes.StorePath = Path.Combine(work.FullName, "themes");
            o.Admin.ApiKey = "default-container-key";
        });
        await using var app = builder.Build();
        Assert.Null(app.Services.GetService<Autofac.ILifetimeScope>());
        app.MapMall();
        await app.StartAsync();
        using var client = app.GetTestClient();
        client.DefaultRequestHeaders.Add("X-Mall-Admin-Key", "default-container-key");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/catalog/products")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/admin/catalog/categories", new { name = "Default container" })).StatusCode);

        using var package = new ByteArrayContent(await File.ReadAllBytesAsync(builds.Widget));
        package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/admin/plugins", package)).StatusCode);
        using var install = await client.PostAsync("/api/admin/plugins/Test.Widget/install?enable=true", null);
        var answer = await install.Content.ReadAsStringAsync();
        Assert.False(install.IsSuccessStatusCode, answer);
        Assert.Contains("builder.AddMall()", answer);
        await app.StopAsync();
    }
}
