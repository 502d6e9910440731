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
    IOptions<SecurityOptions> options,
    TimeProvider time,
    ILogger<Authenticator> logger)
{
    // Hashed once so that an unknown address costs as much as a wrong password.
    private static readonly Lazy<string> s_dummyHash = new(() =>
        new PasswordHasher(Options.Create(new SecurityOptions())).Hash(Guid.NewGuid().ToString()));

    public async Task<SignInResult> SignInAsync(string? address, string? password, CancellationToken cancellationToken = default)
    {
        var key = (address ?? "").Trim().ToLowerInvariant();
        var o = options.Value;
        var user = key.Length == 0 ? null : await users.FindAsync(key, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            hasher.Verify(password ?? "", s_dummyHash.Value);
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
        if (!Verify(key, password ?? "", hash, now))
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
        if (user.Disabled)
        {
            LogFailed(logger, key, "disabled");
            return new SignInResult(SignInOutcome.Disabled);
        }
        return new SignInResult(SignInOutcome.Success, await users.FindAsync(key, cancellationToken).ConfigureAwait(false));
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
