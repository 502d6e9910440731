using Appliance.Filtering;
using Appliance.Filtering.Sieve;
using Appliance.Mailstore;
using Microsoft.Extensions.Logging;

namespace Appliance.Mail;

/// <summary>Where one local recipient's copy goes: a folder by name with its flags.</summary>
public sealed record SieveTarget(string Folder, string Flags);

/// <summary>What a recipient's own rules decided: the copies to store (none for discard), the addresses to redirect to, and any error.</summary>
public sealed record SieveDecision(IReadOnlyList<SieveTarget> Targets, IReadOnlyList<string> Redirects, string? Error, string Summary);

/// <summary>
/// Runs a recipient's active Sieve script (RFC 5228) at delivery: keep, fileinto (with imap4flags), discard and
/// redirect are carried out. A script that fails to compile or to run, or one that asks for what cannot be done
/// after the 250 (reject), keeps the message in the default folder and records why: rules never lose mail.
/// </summary>
public sealed partial class SieveDelivery(SieveScripts scripts, ILogger<SieveDelivery> logger)
{
    private readonly SieveInterpreter _interpreter = new();

    /// <summary>Null when the user has no active script: the default delivery applies.</summary>
    /// <param name="message">The message as received, read only when there is a script to run.</param>
    /// <param name="defaultFolder">Where the implicit keep files the message: INBOX, or Junk for spam.</param>
    public async Task<SieveDecision?> DecideAsync(LocalMailbox mailbox, string sender, Func<byte[]> message, Verdict verdict, string defaultFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(verdict);
        var text = await scripts.ActiveScriptAsync(mailbox.UserId, cancellationToken).ConfigureAwait(false);
        if (text is null)
        {
            return null;
        }
        var keep = new SieveDecision([new SieveTarget(defaultFolder, "")], [], null, "keep");
        if (!SieveScript.TryCompile(text, _interpreter.Options, out var script, out var syntax))
        {
            LogFailed(logger, mailbox.Address, syntax!.Message);
            return keep with { Error = syntax.Message, Summary = "sieve error; keep" };
        }
        var bytes = message();
        // MimeKit's parse of a bomb (a huge header, a storm of parts or parameters) takes minutes or hundreds of MB: the rules are not run on one.
        if (MimeKitBudget.Check(bytes) is not MimeKitRefusal.None)
        {
            return keep with { Error = "the message is too complex to run the rules on", Summary = "sieve skipped; keep" };
        }
        var context = new SieveContext(MessageLoader.ForMimeKit(bytes), new SieveEnvelope(sender, mailbox.Address))
        {
            Size = bytes.Length,
            Spam = SieveSpamStatus.From(verdict, 10),
            Virus = SieveVirusStatus.Clean,
            UserAddresses = [mailbox.Address],
            DefaultMailbox = defaultFolder,
        };
        var result = await _interpreter.RunAsync(script!, context, cancellationToken).ConfigureAwait(false);
        if (result.Failed)
        {
            LogFailed(logger, mailbox.Address, result.Error!);
            return keep with { Error = result.Error, Summary = "sieve error; keep" };
        }
        var targets = new List<SieveTarget>();
        var redirects = new List<string>();
        string? error = null;
        foreach (var action in result.Actions)
        {
            switch (action)
            {
                case SieveKeep k: targets.Add(new SieveTarget(k.Mailbox, MessageFlags.Format(k.Flags))); break;
                case SieveFileInto f: targets.Add(new SieveTarget(f.Mailbox, MessageFlags.Format(f.Flags))); break;
                case SieveRedirect r: redirects.Add(r.Address); break;
                case SieveReject: error = "reject is not carried out after the message was accepted; kept instead"; break;
            }
        }
        if (error is not null && targets.Count == 0)
        {
            targets.Add(new SieveTarget(defaultFolder, ""));
        }
        var summary = string.Join(", ", targets.Select(t => t.Folder).Concat(redirects.Select(r => "redirect " + r)).DefaultIfEmpty("discard"));
        return new SieveDecision(targets.DistinctBy(t => t.Folder, StringComparer.OrdinalIgnoreCase).ToList(), redirects, error, "sieve: " + summary);
    }

    [LoggerMessage(EventId = 4183, Level = LogLevel.Warning, Message = "The Sieve script of {User} failed; the message was kept: {Error}")]
    private static partial void LogFailed(ILogger logger, string user, string error);
}
