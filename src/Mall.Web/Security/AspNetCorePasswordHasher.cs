using Microsoft.AspNetCore.Identity;

namespace Mall.Web.Security;

/// <summary>Mall's <see cref="Mall.Security.IPasswordHasher"/> over ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2, salted, versioned).</summary>
internal sealed class AspNetCorePasswordHasher : Mall.Security.IPasswordHasher
{
    // The hasher does not use the user object; one instance serves all.
    private readonly PasswordHasher<object> _hasher = new();
    private static readonly object User = new();

    public string Hash(string password) => _hasher.HashPassword(User, password);

    public bool Verify(string hash, string password)
    {
        try
        {
            return _hasher.VerifyHashedPassword(User, hash, password) != PasswordVerificationResult.Failed;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
