namespace Mall.Security;

/// <summary>
/// Hashes and verifies passwords. The web host supplies ASP.NET Core's password hasher (PBKDF2 with a per-password
/// salt); the core only stores what it returns.
/// </summary>
public interface IPasswordHasher
{
    /// <summary>A salted hash of <paramref name="password"/>, self-describing (algorithm and parameters included).</summary>
    string Hash(string password);

    /// <summary>Whether <paramref name="password"/> matches <paramref name="hash"/>.</summary>
    bool Verify(string hash, string password);
}
