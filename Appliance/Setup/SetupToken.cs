using System.Security.Cryptography;
using System.Text;
using Appliance.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Setup;

/// <summary><c>Appliance:Setup</c>: who may open the first-run wizard.</summary>
public sealed class SetupOptions
{
    public const string Section = "Appliance:Setup";

    /// <summary>
    /// Let a browser on this machine (a loopback address) open the wizard without the setup token.
    /// Default true, so that the README's run command just works. Turn it off when a reverse proxy on
    /// the same machine forwards outside visitors before setup is done: they would look local.
    /// </summary>
    public bool TrustLoopback { get; set; } = true;
}

/// <summary>
/// A one-time secret that unlocks the wizard for a browser on another machine, written to
/// <c>setup-token</c> in the data folder (mode 0600) and logged at start while setup is not done,
/// so that only someone with access to the server can claim it. Removed when setup finishes.
/// </summary>
public sealed partial class SetupToken(IOptions<StorageOptions> storage, ILogger<SetupToken> logger)
{
    private readonly string _path = Path.Combine(storage.Value.FullDataDirectory, "setup-token");

    /// <summary>Creates the token if there is none and logs where to find it.</summary>
    public void Ensure()
    {
        if (!File.Exists(_path))
        {
            // 20 characters from a 32-letter alphabet: 100 bits, typed from a console without ambiguity.
            const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            var token = new string(RandomNumberGenerator.GetItems<char>(Alphabet, 20));
            FileSystem.WriteAtomically(_path, Encoding.ASCII.GetBytes(token + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        LogToken(logger, Read() ?? "", _path);
    }

    public bool Matches(string? candidate)
    {
        var token = Read();
        if (token is null || string.IsNullOrEmpty(candidate))
        {
            return false;
        }
        var a = Encoding.UTF8.GetBytes(token);
        var b = Encoding.UTF8.GetBytes(candidate.Trim().ToUpperInvariant().Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal));
        return CryptographicOperations.FixedTimeEquals(a, b);
    }

    public void Remove() => File.Delete(_path);

    private string? Read() => File.Exists(_path) ? File.ReadAllText(_path).Trim() : null;

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "This appliance is not set up. Open the console to run the setup wizard; from another machine it asks for the setup token {Token} (also in {Path}).")]
    private static partial void LogToken(ILogger logger, string token, string path);
}
