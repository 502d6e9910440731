using System.Net;
using System.Text;
using Appliance.Dns;
using Appliance.Mailstore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Uce;

/// <summary>
/// An SMTP refusal from a UCE check, in the session's terms without naming SMTP's types (Filtering does not use
/// protocols). <see cref="Close"/>: the session ends after it (at connect, where RFC 5321 §3.1 allows only 554 or 421).
/// </summary>
public sealed record UceRefusal(int Code, string Enhanced, string Text, bool Close = false)
{
    public override string ToString() => $"{Code} {Enhanced} {Text}";
}

/// <summary>
/// The UCE checks the SMTP door runs, shared by all sessions: it holds the rate counters and opens one
/// <see cref="UceSession"/> per connection, which runs the checks at connect, HELO, MAIL and RCPT.
/// </summary>
public sealed partial class UceGuard
{
    private readonly UceOptions _options;
    private readonly MessageLoader _loader;

    /// <summary>Parses what the rules read, with the configured MIME limits.</summary>
    internal MessageLoader Loader => _loader;

    public UceGuard(UceSettingsStore store, IDnsResolver resolver, Greylisting greylisting, MessageLoader loader, TimeProvider time, IOptions<UceOptions> options, ILogger<UceGuard> logger)
    {
        _loader = loader;
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        Store = store;
        Lists = new DnsListChecker(resolver);
        ReverseDns = new ReverseDnsCheck(resolver);
        SenderDomain = new SenderDomainCheck(resolver);
        Greylisting = greylisting;
        Logger = logger;
        Connections = new RateCounter(time, TimeSpan.FromMinutes(1), _options.MaxTrackedClients);
        Messages = new RateCounter(time, TimeSpan.FromMinutes(1), _options.MaxTrackedClients);
        Recipients = new RateCounter(time, TimeSpan.FromHours(1), _options.MaxTrackedClients);
    }

    internal UceOptions Options => _options;
    internal UceSettingsStore Store { get; }
    internal DnsListChecker Lists { get; }
    internal ReverseDnsCheck ReverseDns { get; }
    internal SenderDomainCheck SenderDomain { get; }
    internal Greylisting Greylisting { get; }
    internal ILogger Logger { get; }
    internal RateCounter Connections { get; }
    internal RateCounter Messages { get; }
    internal RateCounter Recipients { get; }

    /// <summary>
    /// One connection's checks. <paramref name="inbound"/>: port 25; submission sessions get only the per-user
    /// recipient limit. <paramref name="local"/> is our own address on this connection (a HELO of it is a lie).
    /// </summary>
    public UceSession Open(IPAddress? client, IPAddress? local, bool inbound, string hostName, string sessionId) =>
        new(this, client, local, inbound, hostName, sessionId);

    /// <summary>The console's "test a rule" box: one rule against a pasted message, with the configured timeout.</summary>
    public UceRuleTest TestRule(UceRule rule, string pastedMessage, UceEnvelope? envelope = null)
    {
        ArgumentNullException.ThrowIfNull(pastedMessage);
        // A textarea gives bare LF; the parser, like SMTP, wants CRLF.
        using var loaded = _loader.FromBytes(Encoding.UTF8.GetBytes(pastedMessage.ReplaceLineEndings("\r\n")));
        return UceRules.Test(rule, loaded.Message, envelope, TimeSpan.FromMilliseconds(_options.RuleTimeoutMilliseconds));
    }

    [LoggerMessage(EventId = 9301, Level = LogLevel.Information, Message = "[{Session}] UCE refused [{Client}] at {Stage}: {Reply}")]
    internal static partial void LogRefused(ILogger logger, string session, string client, string stage, string reply);

    [LoggerMessage(EventId = 9302, Level = LogLevel.Debug, Message = "[{Session}] UCE symbols for [{Client}]: {Symbols}")]
    internal static partial void LogSymbols(ILogger logger, string session, string client, string symbols);
}
