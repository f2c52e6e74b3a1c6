using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mall.Web.Tests.Plugins;

namespace Mall.Web.Tests.Payments;

/// <summary>
/// The local WeChat Pay and Alipay gateways (tests/Mall.FakeGateways) running as their own process on a free
/// loopback port, with keys generated for this test: the merchant's and the platforms' RSA keys, a self-signed
/// platform certificate and an API v3 key.
/// </summary>
public sealed class FakeGatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private FakeGatewayProcess(Process process, string folder, string url, GatewayKeys keys)
    {
        _process = process;
        _folder = folder;
        Url = url;
        Keys = keys;
        Client = new HttpClient { BaseAddress = new Uri(url) };
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    /// <summary>The keys both sides were given.</summary>
    public GatewayKeys Keys { get; }

    /// <summary>A client for the gateway's control endpoints.</summary>
    public HttpClient Client { get; }

    /// <summary>Keys and ids of this run.</summary>
    public sealed record GatewayKeys(
        string MchId, string WeChatAppId, string ApiV3Key, string MerchantSerialNo, RSA MerchantKey, string PlatformSerialNo, RSA PlatformKey, string PlatformCertificatePem,
        string AlipayAppId, RSA AlipayAppKey, RSA AlipayKey)
    {
        /// <summary>The platform certificate WeChat Pay rotates to (POST /fake/wechat/rotate).</summary>
        public required (string SerialNo, RSA Key, string CertificatePem) NextPlatform { get; init; }
    }

    public static async Task<FakeGatewayProcess> StartAsync()
    {
        var merchant = RSA.Create(2048);
        var platform = RSA.Create(2048);
        var next = RSA.Create(2048);
        static X509Certificate2 Certificate(RSA key) =>
            new CertificateRequest("CN=Tenpay.com Root CA Test, O=Tenpay.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var certificate = Certificate(platform);
        using var nextCertificate = Certificate(next);
        var keys = new GatewayKeys(
            "1900000109", "wxd678efh567hg6787", RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32),
            "5157F09EFDC096DE15EBE81A47057A72" + RandomNumberGenerator.GetHexString(8), merchant, certificate.SerialNumber, platform, certificate.ExportCertificatePem(),
            "2021000122671234", RSA.Create(2048), RSA.Create(2048))
        {
            NextPlatform = (nextCertificate.SerialNumber, next, nextCertificate.ExportCertificatePem()),
        };

        var folder = Path.Combine(Path.GetTempPath(), "mall-fake-gateways", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var config = Path.Combine(folder, "config.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            wechat = new
            {
                mchId = keys.MchId, appId = keys.WeChatAppId, apiV3Key = keys.ApiV3Key, merchantSerialNo = keys.MerchantSerialNo,
                merchantPublicKey = merchant.ExportSubjectPublicKeyInfoPem(), platformSerialNo = keys.PlatformSerialNo, platformPrivateKey = platform.ExportPkcs8PrivateKeyPem(),
                nextPlatformSerialNo = keys.NextPlatform.SerialNo, nextPlatformPrivateKey = next.ExportPkcs8PrivateKeyPem(),
            },
            alipay = new { appId = keys.AlipayAppId, appPublicKey = keys.AlipayAppKey.ExportSubjectPublicKeyInfoPem(), alipayPrivateKey = keys.AlipayKey.ExportPkcs8PrivateKeyPem() },
        }));

        var dll = Path.Combine(PluginBuilds.RepositoryRoot, "tests", "Mall.FakeGateways", "bin", BuildConfiguration, "net10.0", "Mall.FakeGateways.dll");
        var (process, url) = await LoopbackProcess.StartAsync(dll, "The fake gateway process", config);
        return new FakeGatewayProcess(process, folder, url, keys);
    }

    /// <summary>Debug or Release, as this test assembly was built.</summary>
    public static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The first-party plugin package built beside the tests.</summary>
    public static string PluginPackage(string project) =>
        Directory.GetFiles(Path.Combine(PluginBuilds.RepositoryRoot, "plugins", project, "bin", BuildConfiguration), "*.mallplugin").Single();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await LoopbackProcess.StopAsync(_process);
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
