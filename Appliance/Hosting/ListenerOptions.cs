using System.Net;
using Microsoft.Extensions.Options;

namespace Appliance.Hosting;

/// <summary>
/// <c>Appliance:Listeners</c>: the port of each listener; 0 turns it off. Defaults are the unprivileged
/// development ports; the installed appliance sets the standard ones (25, 587, 465, 143, 993, 110, 995, 4190, 80, 443).
/// </summary>
public sealed class ListenerOptions
{
    public const string Section = "Appliance:Listeners";

    /// <summary>
    /// The address every listener binds. Default 127.0.0.1: a fresh appliance serves its first-run wizard
    /// to whoever reaches it first, so it is not offered to the network until someone chooses to.
    /// The installer sets 0.0.0.0 (or ::) once the machine is meant to serve.
    /// </summary>
    public string Address { get; set; } = "127.0.0.1";

    public int Http { get; set; } = 5080;
    public int Https { get; set; } = 5443;
    public int Smtp { get; set; } = 2525;
    public int Submission { get; set; } = 2587;
    public int Smtps { get; set; } = 2465;
    public int Imap { get; set; } = 2143;
    public int Imaps { get; set; } = 2993;
    public int Pop3 { get; set; } = 2110;
    public int Pop3s { get; set; } = 2995;
    public int ManageSieve { get; set; } = 24190;

    /// <summary>
    /// How long a client may take over its TLS handshake, on the implicit-TLS ports and after STARTTLS (SMTP,
    /// IMAP) or STLS (POP3); then it is dropped. Default 10 s (<see cref="Protocols.TlsOptions.DefaultHandshakeTimeout"/>).
    /// </summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = Protocols.TlsOptions.DefaultHandshakeTimeout;

    /// <summary>The bounds <see cref="ListenerOptionsValidator"/> holds it to: a handshake needs some time, and a stalled one must not hold a slot for minutes.</summary>
    public static TimeSpan MinTlsHandshakeTimeout { get; } = TimeSpan.FromSeconds(1);
    public static TimeSpan MaxTlsHandshakeTimeout { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Each listener's setting name and port, in a fixed order.</summary>
    public IEnumerable<(string Name, int Port)> All()
    {
        yield return (nameof(Http), Http);
        yield return (nameof(Https), Https);
        yield return (nameof(Smtp), Smtp);
        yield return (nameof(Submission), Submission);
        yield return (nameof(Smtps), Smtps);
        yield return (nameof(Imap), Imap);
        yield return (nameof(Imaps), Imaps);
        yield return (nameof(Pop3), Pop3);
        yield return (nameof(Pop3s), Pop3s);
        yield return (nameof(ManageSieve), ManageSieve);
    }

    public IPAddress BindAddress => IPAddress.Parse(Address);
}

/// <summary>Fails start with the name of the bad setting: a port out of range, two listeners on one port, a bad address.</summary>
public sealed class ListenerOptionsValidator : IValidateOptions<ListenerOptions>
{
    public ValidateOptionsResult Validate(string? name, ListenerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
        {
            failures.Add($"{ListenerOptions.Section}:Address must be an IP address (was '{options.Address}').");
        }
        foreach (var (setting, port) in options.All())
        {
            if (port is < 0 or > 65535)
            {
                failures.Add($"{ListenerOptions.Section}:{setting} must be a port from 1 to 65535, or 0 to turn it off (was {port}).");
            }
        }
        foreach (var clash in options.All().Where(l => l.Port > 0).GroupBy(l => l.Port).Where(g => g.Count() > 1))
        {
            failures.Add($"{string.Join(" and ", clash.Select(l => $"{ListenerOptions.Section}:{l.Name}"))} are all set to port {clash.Key}; each listener needs its own.");
        }
        if (options.TlsHandshakeTimeout < ListenerOptions.MinTlsHandshakeTimeout || options.TlsHandshakeTimeout > ListenerOptions.MaxTlsHandshakeTimeout)
        {
            failures.Add($"{ListenerOptions.Section}:TlsHandshakeTimeout must be between {ListenerOptions.MinTlsHandshakeTimeout:c} and {ListenerOptions.MaxTlsHandshakeTimeout:c} (was {options.TlsHandshakeTimeout:c}).");
        }
        if (options.Http == 0 && options.Https == 0)
        {
            failures.Add($"{ListenerOptions.Section}:Http and {ListenerOptions.Section}:Https are both 0; the console needs at least one.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
