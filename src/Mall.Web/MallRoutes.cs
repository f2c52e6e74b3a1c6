namespace Mall.Web;

/// <summary>Route prefixes of Mall's HTTP API.</summary>
public static class MallRoutes
{
    /// <summary>Everything of Mall's API lives under this prefix.</summary>
    public const string ApiPrefix = "/api";

    /// <summary>Storefront API for shoppers' clients (H5, mini-program, app), version 1.</summary>
    public const string StorefrontV1 = "/api/v1";

    /// <summary>Admin API.</summary>
    public const string Admin = "/api/admin";

    /// <summary>The sandbox payment gateway (development payments only).</summary>
    public const string SandboxGateway = "/api/sandbox";

    /// <summary>Health endpoint.</summary>
    public const string Health = "/health";
}
