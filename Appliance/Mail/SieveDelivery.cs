using System.Net;
using System.Text;
using Appliance.Filtering;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Sieve;
using Appliance.Mailstore;
using Appliance.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Mail;

/// <summary>Where one local recipient's copy goes: a folder by name with its flags.</summary>
public sealed record SieveTarget(string Folder, string Flags);

/// <summary>A message the rules send once the delivery is stored: a redirected copy, a vacation reply or a rejection notice.</summary>
public sealed record SieveOutgoing(Envelope Envelope, byte[] Message, string What);

/// <summary>What the rules decided for one recipient: the copies to store (none for discard or reject), the messages to send, and any error.</summary>
public sealed record SieveDecision(IReadOnlyList<SieveTarget> Targets, IReadOnlyList<SieveOutgoing> Outgoing, string? Error, string Summary);

/// <summary>
/// Runs the Sieve scripts (RFC 5228) at delivery: the administrator's global "before" script, the recipient's active
/// script, then the global "after" script; a <c>stop</c> ends the chain. keep, fileinto (with imap4flags) and discard
/// decide where the copy is stored; redirect (with SRS for outside senders, a hop limit and loop detection), vacation
/// (RFC 5230, tracked durably) and reject/ereject after the 250 (RFC 5429: a notice to the sender, the message not
/// stored) are messages sent after the delivery is committed. A script that fails to compile or to run keeps the message
/// in the default folder and records why: rules never lose mail.
/// </summary>
public sealed partial class SieveDelivery(
    SieveScripts scripts,
    CompiledSieveScripts compiled,
    RecipientResolver recipients,
    Srs srs,
    ArcSealing arc,
    VacationReplies vacations,
    SettingsRepository settings,
    IOptions<SieveDeliveryOptions> options,
    TimeProvider time,
    ILogger<SieveDelivery> logger)
{
    private readonly SieveInterpreter _interpreter = new(new SieveOptions
    {
        MaxRedirects = options.Value.MaxRedirects,
        DefaultVacationDays = options.Value.DefaultVacationDays,
        MinVacationDays = options.Value.MinVacationDays,
        MaxVacationDays = options.Value.MaxVacationDays,
    });

    private readonly Dictionary<SieveGlobalScript, (string Text, SieveScript? Script, string? Error)> _globals = [];

    /// <summary>How much of the original's header a rejection notice returns.</summary>
    private const int MaxReturnedHeader = 64 * 1024;

    /// <summary>Null when neither the user nor the administrator has a script: the default delivery applies.</summary>
    /// <param name="message">The message as received, read only when there is a script to run.</param>
    /// <param name="defaultFolder">Where the implicit keep files the message: INBOX, or Junk for spam.</param>
    public async Task<SieveDecision?> DecideAsync(LocalMailbox mailbox, string sender, Func<byte[]> message, Verdict verdict, string defaultFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(message);
        var user = await scripts.ActiveScriptAsync(mailbox.UserId, cancellationToken).ConfigureAwait(false);
        var before = await scripts.GlobalAsync(SieveGlobalScript.Before, cancellationToken).ConfigureAwait(false);
        var after = await scripts.GlobalAsync(SieveGlobalScript.After, cancellationToken).ConfigureAwait(false);
        if (user is null && before is null && after is null)
        {
            return null;
        }
        var keep = new SieveDecision([new SieveTarget(defaultFolder, "")], [], null, "sieve: keep");
        var bytes = message();
        // MimeKit's parse of a bomb (a huge header, a storm of parts or parameters) takes minutes or hundreds of MB: the rules are not run on one.
        if (MimeKitBudget.Check(bytes) is not MimeKitRefusal.None)
        {
            return keep with { Error = "the message is too complex to run the rules on", Summary = "sieve skipped; keep" };
        }
        var parsed = MessageLoader.ForMimeKit(bytes);
        var context = new SieveContext(parsed, new SieveEnvelope(sender, mailbox.Address))
        {
            Size = bytes.Length,
            Spam = SieveSpamStatus.From(verdict, 10),
            Virus = SieveVirusStatus.Clean,
            UserAddresses = [mailbox.Address],
            DefaultMailbox = defaultFolder,
            VacationTracker = vacations,
            Time = time,
        };

        var actions = new List<SieveAction>();
        var runNotes = new List<string>();
        SieveKeep? implicitKeep = null;
        var cancelled = false;
        foreach (var (name, text) in new[] { ("global before", before), ("user", user), ("global after", after) })
        {
            if (text is null)
            {
                continue;
            }
            var (script, syntax) = name == "user" ? Compile(text) : Global(name == "global before" ? SieveGlobalScript.Before : SieveGlobalScript.After, text);
            var result = script is null ? null : await _interpreter.RunAsync(script, context, cancellationToken).ConfigureAwait(false);
            if ((syntax ?? result?.Error) is { } error)
            {
                LogFailed(logger, name, mailbox.Address, error);
                return keep with { Error = $"{name} script: {error}", Summary = "sieve error; keep" };
            }
            implicitKeep = result!.Actions.OfType<SieveKeep>().FirstOrDefault(k => k.Implicit);
            runNotes.AddRange(result.Notes);
            cancelled |= implicitKeep is null;
            actions.AddRange(result.Actions.Where(a => a is not SieveKeep { Implicit: true }));
            if (result.Stopped)
            {
                break;
            }
        }
        if (!cancelled && implicitKeep is not null)
        {
            actions.Add(implicitKeep);
        }
        return await CarryOutAsync(mailbox, sender, bytes, parsed, actions, runNotes, defaultFolder, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends what the rules asked to send. A failure is logged: the message itself is already stored.</summary>
    /// <param name="accept">The delivery of a new message (<see cref="DeliveryAgent.AcceptAsync"/>): local or queued, as for any other.</param>
    public async Task SendAsync(IEnumerable<SieveDecision> decisions, Func<Envelope, Func<Stream>, CancellationToken, Task<string>> accept, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(accept);
        foreach (var outgoing in decisions.SelectMany(d => d.Outgoing))
        {
            try
            {
                await accept(outgoing.Envelope, () => new MemoryStream(outgoing.Message, writable: false), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSendFailed(logger, outgoing.What, e);
            }
        }
    }

    private async Task<SieveDecision> CarryOutAsync(LocalMailbox mailbox, string sender, byte[] bytes, MimeKit.MimeMessage parsed, List<SieveAction> actions, List<string> runNotes, string defaultFolder, CancellationToken cancellationToken)
    {
        var targets = new List<SieveTarget>();
        var outgoing = new List<SieveOutgoing>();
        var notes = new List<string>();
        var errors = new List<string>();
        var host = await settings.GetRecentAsync(SettingKeys.HostName, DeliveryAgent.HostNameMaxAge, cancellationToken).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
        var redirects = 0;
        foreach (var action in actions)
        {
            switch (action)
            {
                case SieveKeep k: targets.Add(new SieveTarget(k.Mailbox, MessageFlags.Format(k.Flags))); break;
                case SieveFileInto f: targets.Add(new SieveTarget(f.Mailbox, MessageFlags.Format(f.Flags))); break;
                case SieveRedirect r:
                    if (++redirects > options.Value.MaxRedirects)
                    {
                        errors.Add($"more than {options.Value.MaxRedirects} redirects; {r.Address} was not sent to");
                        break;
                    }
                    if (await RedirectAsync(mailbox, sender, bytes, parsed, r.Address, host, cancellationToken).ConfigureAwait(false) is { } copy)
                    {
                        outgoing.Add(copy);
                        notes.Add("redirect " + r.Address);
                    }
                    else
                    {
                        errors.Add(RedirectRefusal(mailbox, parsed, r.Address));
                    }
                    break;
                case SieveVacationReply v:
                    // An answer to spam is backscatter to whoever the spammer named as sender.
                    if (defaultFolder == MailStore.JunkName)
                    {
                        notes.Add("no vacation reply to spam");
                    }
                    else if (await AddressAsync(v.Recipient, cancellationToken).ConfigureAwait(false) is { } to)
                    {
                        using var reply = new MemoryStream();
                        v.Reply.WriteTo(MimeKit.FormatOptions.Default, reply, cancellationToken);
                        outgoing.Add(new SieveOutgoing(new Envelope("", [to], Trace(host, mailbox.Address)), reply.ToArray(), $"vacation reply from {mailbox.Address} to {v.Recipient}"));
                        notes.Add("vacation reply to " + v.Recipient);
                    }
                    break;
                case SieveReject j:
                    var to2 = sender.Length == 0 ? null : await AddressAsync(sender, cancellationToken).ConfigureAwait(false);
                    if (to2 is null)
                    {
                        // RFC 5429 §2.1.2: never a notice to the null sender; and with no one to tell, nothing is dropped either.
                        errors.Add($"{(j.Extended ? "ereject" : "reject")} of a message without a return address; kept instead");
                        break;
                    }
                    var header = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, Math.Min(MaxReturnedHeader, HeaderLength(bytes))));
                    var notice = RejectNotices.Build(j.Extended, host, mailbox.Address, sender, j.Reason, header, parsed.Headers[MimeKit.HeaderId.MessageId], time.GetUtcNow());
                    outgoing.Add(new SieveOutgoing(new Envelope("", [to2], Trace(host, null)), notice, $"rejection by {mailbox.Address} to {sender}"));
                    notes.Add($"{(j.Extended ? "ereject" : "reject")}, notice to {sender}");
                    break;
            }
        }
        if (errors.Count > 0 && targets.Count == 0 && !outgoing.Any(o => o.What.StartsWith("rejection", StringComparison.Ordinal)))
        {
            targets.Add(new SieveTarget(defaultFolder, ""));
        }
        targets = targets.DistinctBy(t => t.Folder, StringComparer.OrdinalIgnoreCase).ToList();
        // Why no vacation reply went, and the like: what a user asks about after the fact.
        var summary = string.Join(", ", targets.Select(t => t.Folder).Concat(notes).DefaultIfEmpty("discard").Concat(runNotes));
        return new SieveDecision(targets, outgoing, errors.Count == 0 ? null : string.Join("; ", errors), "sieve: " + summary);
    }

    /// <summary>
    /// A copy for elsewhere, marked with a <c>Delivered-To</c> for the user so a loop is seen when it comes back. An
    /// outside sender is rewritten with SRS so the next server's SPF check sees our domain; null when refused.
    /// </summary>
    private async Task<SieveOutgoing?> RedirectAsync(LocalMailbox mailbox, string sender, byte[] bytes, MimeKit.MimeMessage parsed, string address, string host, CancellationToken cancellationToken)
    {
        if (Looping(mailbox, parsed) || await AddressAsync(address, cancellationToken).ConfigureAwait(false) is not { } to)
        {
            return null;
        }
        var from = sender;
        var domain = mailbox.Address[(mailbox.Address.LastIndexOf('@') + 1)..];
        var outside = sender.Length > 0 && sender.Contains('@', StringComparison.Ordinal)
            && (await recipients.ResolveAsync(sender, cancellationToken).ConfigureAwait(false)).Status == RecipientStatus.Remote;
        if (outside)
        {
            from = await srs.ForwardAsync(sender, domain, cancellationToken).ConfigureAwait(false);
        }
        var prefix = Encoding.UTF8.GetBytes($"Delivered-To: {mailbox.Address}\r\n");
        var copy = new byte[prefix.Length + bytes.Length];
        prefix.CopyTo(copy, 0);
        bytes.CopyTo(copy, prefix.Length);
        if (outside)
        {
            // RFC 8617: what we found at the door (our Authentication-Results) travels sealed, so the next hop can
            // trust it although our forwarding broke SPF and perhaps DKIM; unchanged when the domain has no RSA key.
            copy = (await arc.SealAsync(copy, domain, host, cancellationToken).ConfigureAwait(false)).Message;
        }
        return new SieveOutgoing(new Envelope(from, [to], Trace(host, null)), copy, $"redirect by {mailbox.Address} to {address}");
    }

    private bool Looping(LocalMailbox mailbox, MimeKit.MimeMessage parsed)
    {
        var delivered = parsed.Headers.Where(h => h.Field.Equals("Delivered-To", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.Trim()).ToList();
        return delivered.Count >= options.Value.MaxHops || delivered.Contains(mailbox.Address, StringComparer.OrdinalIgnoreCase);
    }

    private string RedirectRefusal(LocalMailbox mailbox, MimeKit.MimeMessage parsed, string address) => Looping(mailbox, parsed)
        ? $"redirect to {address} refused: the message was already delivered to {mailbox.Address} or passed {options.Value.MaxHops} hops (a loop); kept instead"
        : $"redirect to {address} refused: no such recipient; kept instead";

    /// <summary>The address resolved as delivery would: a local user, an alias, or elsewhere; null when nobody has it.</summary>
    private async Task<ResolvedRecipient?> AddressAsync(string address, CancellationToken cancellationToken)
    {
        var (status, recipient) = await recipients.ResolveAsync(address, cancellationToken).ConfigureAwait(false);
        return status is RecipientStatus.Ok or RecipientStatus.Remote ? recipient : null;
    }

    /// <summary>Mail the server writes itself; <paramref name="signAs"/> names the user whose domain's DKIM key signs it.</summary>
    private static TraceInfo Trace(string host, string? signAs) => new(host, IPAddress.Loopback, "localhost", "local", signAs);

    private static int HeaderLength(byte[] bytes)
    {
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? bytes.Length : end + 2;
    }

    private (SieveScript? Script, string? Error) Compile(string text) =>
        compiled.TryCompile(text, _interpreter.Options, out var script, out var syntax) ? (script, null) : (null, syntax!.Message);

    /// <summary>The global scripts run for every recipient of every message: compiled once per text.</summary>
    private (SieveScript? Script, string? Error) Global(SieveGlobalScript which, string text)
    {
        lock (_globals)
        {
            if (_globals.TryGetValue(which, out var known) && known.Text == text)
            {
                return (known.Script, known.Error);
            }
        }
        var (script, error) = Compile(text);
        lock (_globals)
        {
            _globals[which] = (text, script, error);
        }
        return (script, error);
    }

    [LoggerMessage(EventId = 4183, Level = LogLevel.Warning, Message = "The {Which} Sieve script failed for {User}; the message was kept: {Error}")]
    private static partial void LogFailed(ILogger logger, string which, string user, string error);

    [LoggerMessage(EventId = 4184, Level = LogLevel.Warning, Message = "A message the Sieve rules asked for could not be sent ({What})")]
    private static partial void LogSendFailed(ILogger logger, string what, Exception exception);
}
