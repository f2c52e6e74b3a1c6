using Mall.Data;

namespace Mall;

/// <summary>Options of a mall, bound from the configuration section <c>Mall</c>.</summary>
public sealed class MallOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Mall";

    /// <summary>Which database to use (<c>Mall:Database</c>).</summary>
    public MallDatabaseOptions Database { get; set; } = new();

    /// <summary>Access to the admin API (<c>Mall:Admin</c>).</summary>
    public MallAdminOptions Admin { get; set; } = new();

    /// <summary>
    /// Map <c>POST /api/v1/orders/{id}/dev-pay</c>, which marks a shopper's order paid without a payment provider.
    /// Null (default): only in the Development environment. Never enable it in production.
    /// </summary>
    public bool? EnableDevelopmentPayments { get; set; }

    /// <summary>
    /// The mall's public base URL, e.g. <c>https://shop.example.com</c>: payment notification URLs, cashier URLs and
    /// links shoppers share are built on it, never on the request's <c>Host</c> header. Set it in production (behind a
    /// proxy it is the only way to know the public address). Unset: the request's host when <c>AllowedHosts</c> names
    /// the hosts (ASP.NET Core's host filtering has checked it), else the address the server listens on.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The store's currency (ISO 4217, default <c>CNY</c>); payments in another currency are refused.</summary>
    public string Currency { get; set; } = "CNY";

    /// <summary>Where plugins are kept and dropped (<c>Mall:Plugins</c>).</summary>
    public MallPluginOptions Plugins { get; set; } = new();

    /// <summary>Storefront themes (<c>Mall:Themes</c>).</summary>
    public MallThemeOptions Themes { get; set; } = new();

    /// <summary>Orders: the payment deadline and the timeout sweep (<c>Mall:Ordering</c>).</summary>
    public Mall.Ordering.OrderingOptions Ordering { get; set; } = new();

    /// <summary>Payment methods built into the host (<c>Mall:Payments</c>).</summary>
    public MallPaymentOptions Payments { get; set; } = new();

    /// <summary>
    /// Seed a demo catalog (categories, brands, 50 products, about 200 SKUs, placeholder images at
    /// <c>/demo-images/</c>) when the catalog is empty at start-up (<c>Mall:DemoCatalog</c>, default false). For trying
    /// Mall out, never for a real store.
    /// </summary>
    public bool DemoCatalog { get; set; }

    /// <summary>
    /// This node's name among the nodes of the mall (<c>Mall:NodeId</c>): the holder shown on job leases and the sender
    /// of cluster messages. Unset: host name, process id and a random part, new at each start.
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>Rate limits of the HTTP API and storefront (<c>Mall:RateLimits</c>).</summary>
    public Mall.Security.RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>The outbox and webhook delivery (<c>Mall:Webhooks</c>).</summary>
    public Mall.Webhooks.WebhookOptions Webhooks { get; set; } = new();

    /// <summary>Catalog caching (<c>Mall:Caching</c>).</summary>
    public Mall.Catalog.CatalogCacheOptions Caching { get; set; } = new();
}

/// <summary>Where plugin packages are kept, and the drop folder.</summary>
public sealed class MallPluginOptions
{
    /// <summary>
    /// Folder of uploaded packages and of the per-load copies the host runs (default <c>App_Data/plugins</c> under the
    /// content root). Several web nodes sharing one database share this folder too.
    /// </summary>
    public string? StorePath { get; set; }

    /// <summary>
    /// Watched folder (default <c>plugins</c> under the content root): a <c>.mallplugin</c> file or a plugin folder
    /// copied in is installed and enabled, or upgrades the installed plugin when its version is newer. Empty turns
    /// watching off.
    /// </summary>
    public string? DropFolder { get; set; }

    /// <summary>How often the drop folder is scanned (default 2 seconds).</summary>
    public TimeSpan DropFolderScanInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a node compares its live plugins with the database even without a message from another node
    /// (default 10 seconds): the bound for a node that missed a change announcement.
    /// </summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an unloaded plugin version's load context may stay alive before it is reported (logged and recorded as
    /// the plugin's last error): a context that is never collected keeps its memory with every upgrade. Default 10 s;
    /// zero turns the check off.
    /// </summary>
    public TimeSpan UnloadCheckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest package accepted, in bytes (default 100 MB).</summary>
    public long MaxPackageBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// Extra assembly names (or prefixes ending in <c>.</c>) that plugins share with the host instead of loading
    /// their own copy, beyond Mall's contracts, the framework, Autofac and the database drivers.
    /// </summary>
    public IList<string> SharedAssemblies { get; set; } = [];
}

/// <summary>Access to the admin API.</summary>
public sealed class MallAdminOptions
{
    /// <summary>User name of the admin created at start-up when there is none yet (with <see cref="InitialPassword"/>).</summary>
    public string? InitialUserName { get; set; }

    /// <summary>Password of the initial admin (8–100 characters). Change it after the first login.</summary>
    public string? InitialPassword { get; set; }

    /// <summary>
    /// Key an automation client may send in the <c>X-Mall-Admin-Key</c> header instead of logging in as an admin.
    /// When empty, the header is not accepted.
    /// </summary>
    public string? ApiKey { get; set; }
}

/// <summary>Storefront theme options (<c>Mall:Themes</c>).</summary>
public sealed class MallThemeOptions
{
    /// <summary>Folder of installed theme packages (default <c>App_Data/themes</c> under the content root); shared by nodes.</summary>
    public string? StorePath { get; set; }

    /// <summary>The storefront's language when the shopper has not chosen one (<c>zh-CN</c>; <c>en</c> is the other built-in).</summary>
    public string DefaultCulture { get; set; } = "zh-CN";

    /// <summary>Largest page a theme may render; a bigger one is an error page instead.</summary>
    public int MaxOutputBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>
    /// Longest a page render may take (default 2 s; the default theme renders a page in well under a millisecond). A
    /// render that takes longer stops and becomes the theme's error page, logged with the page; so does one whose
    /// request is aborted (without a page: the shopper has gone).
    /// </summary>
    public TimeSpan RenderTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Most steps one page render may take: with the built-in Scriban engine a step is one evaluated expression or
    /// statement (default 1,000,000: a category page of 1,000 products with the default theme takes about 40,000). A
    /// render that needs more becomes the theme's error page.
    /// </summary>
    public int MaxRenderSteps { get; set; } = 1_000_000;

    /// <summary>How deep includes and the theme's own function calls may nest, and how deep an expression may be parsed (default 50).</summary>
    public int MaxNesting { get; set; } = 50;

    /// <summary>Longest string a template may build (concatenation, padding, repetition); default 1,048,576 characters.</summary>
    public int MaxStringLength { get; set; } = 1024 * 1024;

    /// <summary>Longest one <c>regex</c> function may run before the render fails (default 100 ms): back-tracking patterns stop here.</summary>
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a rendered product page body is reused for the same product, theme version, settings and language
    /// (default 5 s; zero renders every time; a changed product is a new read, so it renders again). Any change to the theme, its
    /// settings or the plugins' widgets and helpers starts afresh; per-shopper parts are filled in by the page's script.
    /// </summary>
    public TimeSpan RenderedPageCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most partial renders a template may be proven to cause by its partials alone (each <c>include</c> counted once
    /// per place it is written, loops not multiplied): a theme over it is refused by the theme check (default 10,000).
    /// </summary>
    public int MaxPartialExpansions { get; set; } = 10_000;


    /// <summary>How often a node re-reads which theme is active and its settings (changes made on the node apply at once).</summary>
    public TimeSpan StateRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Payment methods built into the host (<c>Mall:Payments</c>).</summary>
public sealed class MallPaymentOptions
{
    /// <summary>The sandbox payment method (<c>Mall:Payments:Sandbox</c>).</summary>
    public SandboxPaymentOptions Sandbox { get; set; } = new();

    /// <summary>
    /// How often the background job looks for late payments (captured after their order was cancelled or paid by
    /// another payment) that are not refunded yet and refunds them (default 1 minute). Each late payment is refunded
    /// at once when its capture is recorded; the job retries those whose provider refused or did not answer.
    /// </summary>
    public TimeSpan LateRefundInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Options of the sandbox payment method (<c>Mall:Payments:Sandbox</c>).</summary>
public sealed class SandboxPaymentOptions
{
    /// <summary>
    /// HMAC key the sandbox gateway signs its notifications with. Empty: a random key per process (enough for one
    /// node; give nodes one key when several serve a mall).
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>Whether the sandbox takes payments; null (default) follows <see cref="MallOptions.EnableDevelopmentPayments"/> (on in Development).</summary>
    public bool? Enabled { get; set; }
}

