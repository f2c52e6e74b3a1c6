using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Mall.Data;
using Mall.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests;

/// <summary>The sample store host on a fresh test database, without demo data, with a known admin key.</summary>
public sealed class MallApp : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key";
    public const string AdminUser = "root";
    public const string AdminPassword = "root-password-1";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TestDatabase _database;
    private readonly WebApplicationFactory<Program> _factory;
    private readonly Action<IServiceCollection>? _configureServices;
    private readonly IReadOnlyList<KeyValuePair<string, string?>> _settings;
    private bool _ownsDatabase = true;
    private bool _isExtraNode;
    private bool _stopped;

    private MallApp(TestDatabase database, WebApplicationFactory<Program> factory, Action<IServiceCollection>? configureServices, IReadOnlyList<KeyValuePair<string, string?>> settings)
    {
        _database = database;
        _factory = factory;
        _configureServices = configureServices;
        _settings = settings;
        Anonymous = factory.CreateClient();
        Admin = factory.CreateClient();
        Admin.DefaultRequestHeaders.Add("X-Mall-Admin-Key", AdminKey);
    }

    /// <summary>A client without credentials (a shopper).</summary>
    public HttpClient Anonymous { get; }

    /// <summary>A client with the admin key.</summary>
    public HttpClient Admin { get; }

    public IServiceProvider Services => _factory.Services;

    public static async Task<MallApp> StartAsync(string provider, Action<IServiceCollection>? configureServices = null, IEnumerable<KeyValuePair<string, string?>>? settings = null, bool kestrel = false)
    {
        var database = await TestDatabase.CreateAsync(provider);
        // Each app keeps plugins in its own folder and watches no drop folder unless a test asks.
        var all = new List<KeyValuePair<string, string?>>
        {
            new("Mall:Plugins:StorePath", Path.Combine(Path.GetTempPath(), "mall-test-plugins", Guid.NewGuid().ToString("N"))),
            new("Mall:Plugins:DropFolder", ""),
            new("Mall:Themes:StorePath", Path.Combine(Path.GetTempPath(), "mall-test-themes", Guid.NewGuid().ToString("N"))),
            // Tests call far faster than any caller may (thousands of shoppers from one address); RateLimitTests turn limits on.
            new("Mall:RateLimits:Enabled", "false"),
        };
        all.AddRange(settings ?? []);
        // Later settings win over the defaults above.
        all = all.GroupBy(s => s.Key).Select(g => g.Last()).ToList();
        try
        {
            return await StartOnAsync(database, configureServices, all, kestrel);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    private static async Task<MallApp> StartOnAsync(TestDatabase database, Action<IServiceCollection>? configureServices, IReadOnlyList<KeyValuePair<string, string?>> settings, bool kestrel = false)
    {
        var factory = CreateFactory(database, configureServices, settings);
        try
        {
            // A real server on a loopback port, for tests that need real HTTP between parts (the sandbox gateway).
            if (kestrel)
            {
                factory.UseKestrel(0);
                factory.StartServer();
            }
            var app = new MallApp(database, factory, configureServices, settings);
            (await app.Anonymous.GetAsync("/health")).EnsureSuccessStatusCode();
            return app;
        }
        catch
        {
            await factory.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops this host and starts a new one on the same database and settings (a restart, or another node).</summary>
    public async Task<MallApp> RestartAsync()
    {
        _ownsDatabase = false;
        await _factory.DisposeAsync();
        return await StartOnAsync(_database, _configureServices, _settings);
    }

    /// <summary>
    /// Starts another node of this mall: the same database and settings (Redis included), its own plugin and theme
    /// folders (so that it has only what the database gives it), and <paramref name="overrides"/>.
    /// </summary>
    public async Task<MallApp> StartNodeAsync(IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var settings = _settings.Where(s => s.Key is not ("Mall:Plugins:StorePath" or "Mall:Themes:StorePath"))
            .Append(new("Mall:Plugins:StorePath", Path.Combine(Path.GetTempPath(), "mall-test-plugins", Guid.NewGuid().ToString("N"))))
            .Append(new("Mall:Themes:StorePath", Path.Combine(Path.GetTempPath(), "mall-test-themes", Guid.NewGuid().ToString("N"))))
            .Concat(overrides ?? [])
            .GroupBy(s => s.Key).Select(g => g.Last()).ToList();
        var node = await StartOnAsync(_database, _configureServices, settings);
        node._ownsDatabase = false;
        node._isExtraNode = true;
        return node;
    }

    /// <summary>
    /// Settings that put an app on the tests' Redis (<c>MALL_TEST_REDIS</c>, started by <c>./build.sh test</c>) under a key
    /// prefix of its own, so that test classes running at once do not hear each other.
    /// </summary>
    public static List<KeyValuePair<string, string?>> RedisSettings(string? configuration = null) =>
    [
        new("Mall:Redis:Configuration", configuration ?? Environment.GetEnvironmentVariable("MALL_TEST_REDIS")
            ?? throw new InvalidOperationException("MALL_TEST_REDIS is not set: run the tests with ./build.sh test, which starts Redis.")),
        new("Mall:Redis:KeyPrefix", "t" + Guid.NewGuid().ToString("N")[..12] + ":"),
    ];

    /// <summary>Stops this host (its node leaves the mall) and keeps the database until <see cref="DisposeAsync"/>.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        await _factory.DisposeAsync();
    }

    /// <summary>The database this app runs on.</summary>
    public TestDatabase Database => _database;

    /// <summary>This node's id (holder of job leases, sender of cluster messages).</summary>
    public string NodeId => Services.GetRequiredService<Mall.Clustering.IClusterBus>().NodeId;

    /// <summary>The setting <paramref name="key"/> this app was started with.</summary>
    public string? Setting(string key) => _settings.LastOrDefault(s => s.Key == key).Value;

    /// <summary>This app's theme package folder.</summary>
    public string ThemeStore() => Setting("Mall:Themes:StorePath")!;

    /// <summary>The sample store's host on <paramref name="database"/> (not started until a client is created).</summary>
    public static WebApplicationFactory<Program> CreateFactory(TestDatabase database, Action<IServiceCollection>? configureServices = null, IEnumerable<KeyValuePair<string, string?>>? settings = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mall:Database:Provider"] = database.Provider,
                ["Mall:Database:ConnectionString"] = database.ConnectionString,
                ["Mall:Admin:ApiKey"] = AdminKey,
                ["Mall:DemoCatalog"] = "false",
                ["Mall:Admin:InitialUserName"] = AdminUser,
                ["Mall:Admin:InitialPassword"] = AdminPassword,
                ["Mall:Ordering:TimeoutSweepInterval"] = "00:00:00.200",
                // Not the sample's port 5000: test classes run in parallel and each real server needs its own free port.
                ["Urls"] = "http://127.0.0.1:0",
                // The test server cannot enforce body size limits and says so on every request; Kestrel does (ConcurrencyTests).
                ["Logging:LogLevel:Microsoft.AspNetCore.Routing.EndpointRoutingMiddleware"] = "Error",
            }.Concat(settings ?? [])));
            if (configureServices is not null) web.ConfigureServices(configureServices);
        });

    /// <summary>Counts rows of a table, to prove that a rejected request wrote nothing.</summary>
    public async Task<long> CountAsync(string table)
    {
        await using var connection = await Services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
    }

    /// <summary>Reads one value straight from the database (a test's view past the API).</summary>
    public async Task<T?> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await Services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters);
    }

    public async Task<(long Products, long Skus, long Inventory, long Movements, long Categories, long Brands)> CountAllAsync() =>
        (await CountAsync("mall_product"), await CountAsync("mall_sku"), await CountAsync("mall_inventory"),
         await CountAsync("mall_stock_movement"), await CountAsync("mall_category"), await CountAsync("mall_brand"));

    public async Task<JsonElement> PostOkAsync(string url, object body)
    {
        var response = await Admin.PostAsJsonAsync(url, body, Json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A client without credentials.</summary>
    public HttpClient NewClient() => _factory.CreateClient();

    /// <summary>Registers a shopper and returns a client that sends their bearer token.</summary>
    public async Task<HttpClient> ShopperAsync(string phone, string password = "secret-pass-1")
    {
        var client = _factory.CreateClient();
        var registered = await client.PostAsJsonAsync("/api/v1/auth/register", new { phone, password }, Json);
        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        return await LoginAsync("/api/v1/auth/login", new { login = phone, password });
    }

    /// <summary>Signs a registered shopper in again: a client with a new bearer token.</summary>
    public Task<HttpClient> ShopperLoginAsync(string phone, string password = "secret-pass-1") => LoginAsync("/api/v1/auth/login", new { login = phone, password });

    /// <summary>
    /// <paramref name="count"/> shoppers with bearer tokens, made fast for load tests: rows written directly (no
    /// password hashing, which would take minutes for thousands) and tokens issued by the host's own bearer handler
    /// format, exactly as a login would.
    /// </summary>
    public async Task<IReadOnlyList<(long CustomerId, string Token)>> ShopperTokensAsync(int count)
    {
        var database = Services.GetRequiredService<IMallDatabase>();
        var prefix = Random.Shared.Next(100, 999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var phones = Enumerable.Range(0, count).Select(i => $"19{prefix}{i:000000}").ToList();
        await using (var connection = await database.OpenConnectionAsync())
        {
            var now = DateTime.UtcNow;
            await using var tx = await connection.BeginTransactionAsync();
            foreach (var phone in phones)
                await connection.ExecuteAsync(
                    "INSERT INTO mall_customer (phone, email, password_hash, nickname, member_level, growth, points, balance, created_at, updated_at) VALUES (@phone, NULL, NULL, @phone, 0, 0, 0, 0, @now, @now)",
                    new { phone, now }, tx);
            await tx.CommitAsync();
        }
        var customers = Services.GetRequiredService<Mall.Customers.ICustomerService>();
        var format = Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.BearerToken.BearerTokenOptions>>().Get(Mall.Web.Security.MallClaims.BearerScheme).BearerTokenProtector;
        await using var read = await database.OpenConnectionAsync();
        var ids = (await read.QueryAsync<long>($"SELECT id FROM mall_customer WHERE phone LIKE '19{prefix}%' ORDER BY id")).ToList();
        var tokens = new List<(long, string)>();
        foreach (var id in ids)
        {
            var customer = (await customers.FindAsync(id))!;
            var ticket = new Microsoft.AspNetCore.Authentication.AuthenticationTicket(Mall.Web.Security.MallClaims.ForCustomer(customer),
                new Microsoft.AspNetCore.Authentication.AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddHours(2) }, Mall.Web.Security.MallClaims.BearerScheme);
            tokens.Add((id, format.Protect(ticket)));
        }
        return tokens;
    }

    /// <summary>A client with an admin's bearer token (the initial admin).</summary>
    public Task<HttpClient> AdminByLoginAsync() => AdminByLoginAsync(AdminUser, AdminPassword);

    /// <summary>A client with the bearer token of the admin <paramref name="userName"/>.</summary>
    public Task<HttpClient> AdminByLoginAsync(string userName, string password) => LoginAsync("/api/admin/auth/login", new { userName, password });

    private async Task<HttpClient> LoginAsync(string url, object credentials)
    {
        var client = _factory.CreateClient();
        var login = await client.PostAsJsonAsync(url, credentials, Json);
        var text = await login.Content.ReadAsStringAsync();
        Assert.True(login.IsSuccessStatusCode, $"login answered {(int)login.StatusCode}: {text}");
        var token = JsonDocument.Parse(text).RootElement.GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Anonymous.Dispose();
        Admin.Dispose();
        if (_isExtraNode && !_stopped) await _factory.DisposeAsync();
        if (!_ownsDatabase) return;
        if (!_stopped) await _factory.DisposeAsync();
        await _database.DisposeAsync();
        var store = Setting("Mall:Plugins:StorePath");
        if (store is not null && Directory.Exists(store)) Directory.Delete(store, recursive: true);
    }
}
