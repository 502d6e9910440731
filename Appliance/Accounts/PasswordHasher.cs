using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Appliance.Accounts;

/// <summary>What SCRAM (RFC 5802) needs of a stored password; the protocols hand it to their mechanism.</summary>
public sealed record ScramSecret(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey);

/// <summary>
/// Salted password hashes, compared in constant time, in the self-describing form
/// <c>scram-sha256$iterations$salt$StoredKey$ServerKey</c> (base64).
/// </summary>
/// <remarks>
/// Why StoredKey and ServerKey (RFC 5802 §3, §9) rather than the PBKDF2 output itself: that output is
/// SCRAM's SaltedPassword, from which a client proof can be computed, so a copy of the database would be
/// enough to sign in over SCRAM-SHA-256 without ever cracking a password. StoredKey = H(HMAC(SaltedPassword,
/// "Client Key")) cannot be turned back into a proof; ServerKey only lets the server prove itself. PLAIN
/// and the console still work: the typed password is run through the same PBKDF2 and HMACs and compared
/// with StoredKey. Hashes of the earlier form <c>pbkdf2-sha256$iterations$salt$SaltedPassword</c> are
/// still read (the same PBKDF2-HMAC-SHA256, so SCRAM works for them at once) and are rewritten in the new
/// form the next time their user signs in (<see cref="Upgrade"/> needs no password).
/// </remarks>
public sealed class PasswordHasher(IOptions<SecurityOptions> options)
{
    private const string Scheme = "scram-sha256";
    private const string LegacyScheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var iterations = options.Value.PasswordHashIterations;
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        // RFC 5802 §2.2: Hi(Normalize(password)), so that a SCRAM client hashing the prepared form agrees.
        var salted = Rfc2898DeriveBytes.Pbkdf2(SaslPrep.PasswordForm(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return Format(iterations, salt, salted);
    }

    public bool Verify(string password, string stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(stored);
        if (!TryParse(stored, out var scheme, out var iterations, out var salt, out var keys))
        {
            return false;
        }
        if (scheme == LegacyScheme)
        {
            // Hashed as typed, before SASLprep was applied.
            var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, keys[0].Length);
            return CryptographicOperations.FixedTimeEquals(actual, keys[0]);
        }
        var salted = Rfc2898DeriveBytes.Pbkdf2(SaslPrep.PasswordForm(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return CryptographicOperations.FixedTimeEquals(StoredKey(salted), keys[0]);
    }

    /// <summary>The SCRAM secret a stored hash holds; false for a hash SCRAM cannot use.</summary>
    public static bool TryScramSecret(string stored, out ScramSecret secret)
    {
        ArgumentNullException.ThrowIfNull(stored);
        secret = null!;
        if (!TryParse(stored, out var scheme, out var iterations, out var salt, out var keys))
        {
            return false;
        }
        if (scheme == LegacyScheme)
        {
            if (keys[0].Length != HashBytes) return false;
            secret = new ScramSecret(salt, iterations, StoredKey(keys[0]), ServerKey(keys[0]));
            return true;
        }
        secret = new ScramSecret(salt, iterations, keys[0], keys[1]);
        return true;
    }

    /// <summary>The new form of an old <c>pbkdf2-sha256</c> hash (same password, same salt), or null when there is nothing to do.</summary>
    public static string? Upgrade(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!TryParse(stored, out var scheme, out var iterations, out var salt, out var keys) || scheme != LegacyScheme || keys[0].Length != HashBytes)
        {
            return null;
        }
        return Format(iterations, salt, keys[0]);
    }

    private static string Format(int iterations, byte[] salt, byte[] saltedPassword) =>
        string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt),
            Convert.ToBase64String(StoredKey(saltedPassword)), Convert.ToBase64String(ServerKey(saltedPassword)));

    // RFC 5802 §3: ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey = H(ClientKey).
    private static byte[] StoredKey(byte[] saltedPassword) => SHA256.HashData(HMACSHA256.HashData(saltedPassword, "Client Key"u8));

    private static byte[] ServerKey(byte[] saltedPassword) => HMACSHA256.HashData(saltedPassword, "Server Key"u8);

    private static bool TryParse(string stored, out string scheme, out int iterations, out byte[] salt, out byte[][] keys)
    {
        scheme = "";
        iterations = 0;
        salt = [];
        keys = [];
        var parts = stored.Split('$');
        var expected = parts.Length > 0 && parts[0] == Scheme ? 5 : parts.Length > 0 && parts[0] == LegacyScheme ? 4 : -1;
        if (parts.Length != expected
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations <= 0)
        {
            return false;
        }
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            keys = [.. parts.Skip(3).Select(Convert.FromBase64String)];
        }
        catch (FormatException)
        {
            return false;
        }
        scheme = parts[0];
        return keys.All(k => k.Length > 0);
    }
}
