namespace Appliance.Accounts;

/// <summary><c>Appliance:Security</c>: how passwords are stored and how guessing is slowed down.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Appliance:Security";

    /// <summary>Shortest password accepted. Default 10: long enough that guessing online is hopeless with the lockout below.</summary>
    public int PasswordMinLength { get; set; } = 10;

    /// <summary>
    /// PBKDF2-HMAC-SHA256 iterations for new hashes. Default 600000, OWASP's 2023 figure; each hash
    /// keeps its own count, so raising it later leaves old hashes readable.
    /// </summary>
    public int PasswordHashIterations { get; set; } = 600_000;

    /// <summary>Consecutive failed sign-ins after which an account is locked. Default 5.</summary>
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>How long a locked account stays locked. Default 15 minutes.</summary>
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>
    /// Pause after the first failed sign-in, doubled at each further failure up to
    /// <see cref="MaxFailureDelayMilliseconds"/>. Default 500 ms: a person barely notices, a script does.
    /// </summary>
    public int FailureDelayMilliseconds { get; set; } = 500;

    /// <summary>Longest pause after a failed sign-in. Default 8000 ms.</summary>
    public int MaxFailureDelayMilliseconds { get; set; } = 8000;

    /// <summary>Console sign-in (and setup token) attempts allowed per client address per minute. Default 20.</summary>
    public int SignInsPerMinutePerAddress { get; set; } = 20;

    /// <summary>
    /// Serve the console only over HTTPS, redirecting plain HTTP, with Secure cookies. Default false for
    /// the development run; the installed configuration turns it on.
    /// </summary>
    public bool RequireHttps { get; set; }

    /// <summary>Allow AUTH over connections without TLS (protocol listeners). Default false.</summary>
    public bool AllowPlaintextAuth { get; set; }

    /// <summary>
    /// Minutes a verified password is remembered (as a keyed hash, in memory) so that a mail client's
    /// next connection skips the slow hash. 0 turns it off. Default 15, as Dovecot's auth cache.
    /// </summary>
    public int CredentialCacheMinutes { get; set; } = 15;
}
