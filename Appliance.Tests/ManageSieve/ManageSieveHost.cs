using System.Text;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.ManageSieve;

/// <summary>
/// One running host for a class of ManageSieve tests, with small limits so that each is cheap to reach. Every test
/// makes its own user (<see cref="NewUserAsync"/>), so tests share the host without sharing scripts.
/// </summary>
public sealed class ManageSieveHost : IAsyncLifetime
{
    public const string Password = "Str0ng-Passw0rd";
    public const int MaxScriptSize = 1024;
    public const int MaxScripts = 3;
    public const int MaxErrors = 6;
    private int _users;

    public RunningHost Host { get; private set; } = null!;

    public int Port => Host.ManageSievePort;

    public async Task InitializeAsync() => Host = await RunningHost.StartWithManageSieveAsync(
        $"--Appliance:SieveScripts:MaxScriptSize={MaxScriptSize}",
        $"--Appliance:SieveScripts:MaxScripts={MaxScripts}",
        $"--Appliance:ManageSieve:MaxErrors={MaxErrors}",
        "--Appliance:ManageSieve:MaxAuthFailures=2");

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public async Task<User> NewUserAsync()
    {
        var address = $"user{Interlocked.Increment(ref _users)}@example.com";
        return await Host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser(address, Password));
    }

    /// <summary>A session upgraded to TLS and signed in as a new user.</summary>
    public async Task<(ManageSieveTranscript Sieve, User User)> SignedInAsync()
    {
        var user = await NewUserAsync();
        var sieve = await ManageSieveTranscript.ConnectAsync(Port);
        await sieve.StartTlsAsync();
        await sieve.OkAsync($"AUTHENTICATE \"PLAIN\" \"{ManageSieveTranscript.Plain(user.Address, Password)}\"");
        return (sieve, user);
    }

    /// <summary>A non-synchronizing literal as clients send scripts: <c>{n+}</c> CRLF and the octets.</summary>
    public static string Literal(string text) => $"{{{Encoding.UTF8.GetByteCount(text)}+}}\r\n{text}";
}
