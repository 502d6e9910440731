using System.Security.Cryptography;
using System.Text;
using Appliance.Storage;
using Microsoft.Extensions.Options;

namespace Appliance.Mail;

/// <summary>
/// The Sender Rewriting Scheme (SRS0, as libsrs2 and Postfix's postsrsd write it): mail we forward for an outside sender
/// leaves with <c>SRS0=HHHH=TT=domain=local@ourdomain</c>, so the far end checks SPF against our domain, and a bounce to
/// that address comes back here, where the hash (HMAC-SHA1 of TT, domain and local part, four base64 characters) and the
/// day stamp TT (base32, days modulo 1024) are checked before it is passed on to the original sender.
/// </summary>
public sealed class Srs(SettingsRepository settings, IOptions<SieveDeliveryOptions> options, TimeProvider time)
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const int HashLength = 4;
    private readonly SemaphoreSlim _making = new(1, 1);
    private byte[]? _secret;

    /// <summary>Whether the local part has the SRS0 form, so the address is ours to reverse.</summary>
    public static bool IsSrs(string address) => address.StartsWith("SRS0=", StringComparison.OrdinalIgnoreCase);

    /// <summary>The rewritten sender for mail <paramref name="sender"/> sent that we forward from <paramref name="ourDomain"/>.</summary>
    public async Task<string> ForwardAsync(string sender, string ourDomain, CancellationToken cancellationToken = default)
    {
        var secret = await SecretAsync(cancellationToken).ConfigureAwait(false);
        return Encode(secret, sender, ourDomain, time.GetUtcNow());
    }

    /// <summary>The original sender of an SRS0 address, or null when its hash is forged or it is older than the allowed age.</summary>
    public async Task<string?> ReverseAsync(string address, CancellationToken cancellationToken = default)
    {
        var secret = await SecretAsync(cancellationToken).ConfigureAwait(false);
        return Decode(secret, address, time.GetUtcNow(), options.Value.SrsMaxAgeDays);
    }

    internal static string Encode(byte[] secret, string sender, string ourDomain, DateTimeOffset now)
    {
        var at = sender.LastIndexOf('@');
        var local = sender[..at];
        var domain = sender[(at + 1)..];
        var stamp = Stamp(now);
        return $"SRS0={Hash(secret, stamp, domain, local)}={stamp}={domain}={local}@{ourDomain}";
    }

    internal static string? Decode(byte[] secret, string address, DateTimeOffset now, int maxAgeDays)
    {
        if (!IsSrs(address))
        {
            return null;
        }
        var at = address.LastIndexOf('@');
        if (at < 0)
        {
            return null;
        }
        // SRS0=HHHH=TT=domain=local: the local part may itself hold '=', the domain may not.
        var parts = address[5..at].Split('=', 4);
        if (parts.Length != 4 || parts[0].Length != HashLength || parts[1].Length != 2 || parts[2].Length == 0 || parts[3].Length == 0)
        {
            return null;
        }
        var (hash, stamp, domain, local) = (parts[0], parts[1], parts[2], parts[3]);
        var expected = Hash(secret, stamp, domain, local);
        // Receivers may fold the local part's case: the hash is compared without it, as libsrs2 does.
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected.ToUpperInvariant()), Encoding.ASCII.GetBytes(hash.ToUpperInvariant())))
        {
            return null;
        }
        if (Days(stamp) is not { } then)
        {
            return null;
        }
        var today = (int)(now.ToUnixTimeSeconds() / 86400 % 1024);
        var age = (today - then + 1024) % 1024;
        return age > maxAgeDays ? null : $"{local}@{domain}";
    }

    private static string Stamp(DateTimeOffset now)
    {
        var days = (int)(now.ToUnixTimeSeconds() / 86400 % 1024);
        return new string([Base32[days >> 5], Base32[days & 31]]);
    }

    private static int? Days(string stamp)
    {
        var high = Base32.IndexOf(char.ToUpperInvariant(stamp[0]), StringComparison.Ordinal);
        var low = Base32.IndexOf(char.ToUpperInvariant(stamp[1]), StringComparison.Ordinal);
        return high < 0 || low < 0 ? null : (high << 5) | low;
    }

    private static string Hash(byte[] secret, string stamp, string domain, string local)
    {
        var data = Encoding.UTF8.GetBytes((stamp + domain + local).ToLowerInvariant());
        return Convert.ToBase64String(HMACSHA1.HashData(secret, data))[..HashLength];
    }

    private async Task<byte[]> SecretAsync(CancellationToken cancellationToken)
    {
        if (_secret is { } known)
        {
            return known;
        }
        if (!string.IsNullOrEmpty(options.Value.SrsSecret))
        {
            return _secret = Encoding.UTF8.GetBytes(options.Value.SrsSecret);
        }
        // Two deliveries at once must not each make a key: the second would overwrite the first's.
        await _making.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await settings.GetAsync(SettingKeys.SrsSecret, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                await settings.SetAsync(SettingKeys.SrsSecret, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken).ConfigureAwait(false);
                stored = await settings.GetAsync(SettingKeys.SrsSecret, cancellationToken).ConfigureAwait(false) ?? "";
            }
            return _secret = Convert.FromBase64String(stored);
        }
        finally
        {
            _making.Release();
        }
    }
}
