using System.Security.Cryptography;
using System.Text;
using Appliance.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Accounts;

public enum SignInOutcome
{
    Success,
    /// <summary>Unknown address or wrong password: deliberately the same answer, so addresses cannot be probed.</summary>
    Failed,
    LockedOut,
    Disabled,
}

public sealed record SignInResult(SignInOutcome Outcome, User? User = null, DateTimeOffset? LockedUntil = null);

/// <summary>
/// Checks a password for every way in (console, and later SMTP, IMAP, POP3). Repeated failures on an
/// account slow down (a pause that doubles each time) and then lock it for a while.
/// </summary>
public sealed partial class Authenticator(
    UserRepository users,
    PasswordHasher hasher,
    SettingsRepository settings,
    IOptions<SecurityOptions> options,
    TimeProvider time,
    ILogger<Authenticator> logger)
{
    // Hashed once so that an unknown address costs as much as a wrong password.
    private static readonly Lazy<string> s_dummyHash = new(() =>
        new PasswordHasher(Options.Create(new SecurityOptions())).Hash(Guid.NewGuid().ToString()));

    public Task<SignInResult> SignInAsync(string? address, string? password, CancellationToken cancellationToken = default) =>
        SignInAsync(address, (key, hash, now) => Verify(key, password ?? "", hash, now), () => hasher.Verify(password ?? "", s_dummyHash.Value), cancellationToken);

    /// <summary>
    /// The SCRAM secret to challenge <paramref name="address"/> with (RFC 5802 server-first). An unknown
    /// address, or one whose hash SCRAM cannot use, gets a stand-in: a salt derived from the name with a
    /// kept secret (the same every time, as a real one is), the default iteration count and keys no proof
    /// can match, so the reply does not tell whether the account exists.
    /// </summary>
    public async Task<ScramSecret> ScramSecretAsync(string? address, CancellationToken cancellationToken = default)
    {
        var key = Normalize(address);
        var hash = key.Length == 0 ? null : await users.PasswordHashAsync(key, cancellationToken).ConfigureAwait(false);
        if (hash is not null && PasswordHasher.TryScramSecret(hash, out var secret))
        {
            return secret;
        }
        var decoy = await DecoySecretAsync(cancellationToken).ConfigureAwait(false);
        var salt = HMACSHA256.HashData(decoy, Encoding.UTF8.GetBytes("salt:" + key))[..16];
        return new ScramSecret(salt, options.Value.PasswordHashIterations, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
    }

    /// <summary>
    /// Completes a SCRAM sign-in: the same attempt counting, pauses, lockout and outcomes as a password,
    /// with <paramref name="proofMatches"/> (given the StoredKey held now) in place of the password check.
    /// </summary>
    public Task<SignInResult> ScramSignInAsync(string? address, Func<byte[], bool> proofMatches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proofMatches);
        return SignInAsync(address, (_, hash, _) => PasswordHasher.TryScramSecret(hash, out var secret) && proofMatches(secret.StoredKey), null, cancellationToken);
    }

    private async Task<SignInResult> SignInAsync(string? address, Func<string, string, DateTimeOffset, bool> check, Action? unknownCost, CancellationToken cancellationToken)
    {
        var key = Normalize(address);
        var o = options.Value;
        var user = key.Length == 0 ? null : await users.FindAsync(key, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            unknownCost?.Invoke();
            LogFailed(logger, key, "unknown address");
            await Task.Delay(TimeSpan.FromMilliseconds(o.FailureDelayMilliseconds), time, cancellationToken).ConfigureAwait(false);
            return new SignInResult(SignInOutcome.Failed);
        }

        var now = time.GetUtcNow();
        var lockUntil = now.AddMinutes(o.LockoutMinutes);
        var attempts = await users.ReserveAttemptAsync(user.Id, o.LockoutThreshold, now, lockUntil, cancellationToken).ConfigureAwait(false);
        if (attempts is null)
        {
            LogFailed(logger, key, "locked");
            var current = await users.FindAsync(key, cancellationToken).ConfigureAwait(false);
            return new SignInResult(SignInOutcome.LockedOut, LockedUntil: current?.LockedUntil);
        }

        var hash = await users.PasswordHashAsync(key, cancellationToken).ConfigureAwait(false) ?? "";
        if (!check(key, hash, now))
        {
            LogFailed(logger, key, $"wrong password ({attempts} in a row)");
            if (attempts >= o.LockoutThreshold)
            {
                LogLocked(logger, key, lockUntil);
                return new SignInResult(SignInOutcome.LockedOut, LockedUntil: lockUntil);
            }
            await Task.Delay(FailureDelay(attempts.Value, o), time, cancellationToken).ConfigureAwait(false);
            return new SignInResult(SignInOutcome.Failed);
        }

        await users.RecordSuccessAsync(user.Id, cancellationToken).ConfigureAwait(false);
        if (PasswordHasher.Upgrade(hash) is { } upgraded)
        {
            // Replace an old hash that held SaltedPassword itself (see PasswordHasher); same password, same stamp.
            await users.ReplacePasswordHashAsync(user.Id, hash, upgraded, cancellationToken).ConfigureAwait(false);
        }
        if (user.Disabled)
        {
            LogFailed(logger, key, "disabled");
            return new SignInResult(SignInOutcome.Disabled);
        }
        return new SignInResult(SignInOutcome.Success, await users.FindAsync(key, cancellationToken).ConfigureAwait(false));
    }

    private static string Normalize(string? address) => (address ?? "").Trim().ToLowerInvariant();

    private byte[]? _decoySecret;

    private async Task<byte[]> DecoySecretAsync(CancellationToken cancellationToken)
    {
        if (_decoySecret is { } known)
        {
            return known;
        }
        var stored = await settings.GetAsync(SettingKeys.ScramDecoySecret, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            await settings.SetAsync(SettingKeys.ScramDecoySecret, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken).ConfigureAwait(false);
            stored = await settings.GetAsync(SettingKeys.ScramDecoySecret, cancellationToken).ConfigureAwait(false) ?? "";
        }
        return _decoySecret = Convert.FromBase64String(stored);
    }

    // Passwords verified lately, per address and stored hash: mail clients open a connection for each
    // folder and reconnect all day, and a full PBKDF2 each time (600,000 rounds) would cost a core for
    // nothing. Only a keyed hash of the password is kept, never the password; a new password is a new
    // stored hash, so it misses the cache. Lockout, disabled accounts and delays apply as before.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Address, string Hash), (byte[] Mac, DateTimeOffset Until)> _verified = new();
    private readonly byte[] _cacheKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    private bool Verify(string address, string password, string hash, DateTimeOffset now)
    {
        var minutes = options.Value.CredentialCacheMinutes;
        var mac = System.Security.Cryptography.HMACSHA256.HashData(_cacheKey, System.Text.Encoding.UTF8.GetBytes(password));
        if (minutes > 0 && _verified.TryGetValue((address, hash), out var cached) && cached.Until > now
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(cached.Mac, mac))
        {
            return true;
        }
        if (!hasher.Verify(password, hash))
        {
            return false;
        }
        if (minutes > 0)
        {
            if (_verified.Count >= 100_000)
            {
                _verified.Clear();
            }
            _verified[(address, hash)] = (mac, now.AddMinutes(minutes));
        }
        return true;
    }

    /// <summary>The pause after the n-th failure in a row: the base delay, doubled each time, capped.</summary>
    public static TimeSpan FailureDelay(int failures, SecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 20));
        return TimeSpan.FromMilliseconds(Math.Min(options.FailureDelayMilliseconds * factor, options.MaxFailureDelayMilliseconds));
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Sign-in failed for {Address}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string address, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Account {Address} locked until {Until}")]
    private static partial void LogLocked(ILogger logger, string address, DateTimeOffset until);
}
