using System.Globalization;
using System.Net;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Storage;

namespace Appliance.Web.Mail;

public sealed partial class MailService : IRecipientSuggestions
{
    /// <summary>Most suggestions the address completion offers at once.</summary>
    private const int MaxSuggestions = 8;

    /// <summary>A compose form for a reply, reply-all, forward, or a draft resumed.</summary>
    public async Task<ComposeModel> StartAsync(MailUser user, string mode, string folder, long uid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var original = await MessageAsync(user, folder, uid, cancellationToken).ConfigureAwait(false);
        var me = new MailboxAddress(user.DisplayName, user.Address);
        switch (mode)
        {
            case "reply": return Composer.Reply(original, me, all: false);
            case "all": return Composer.Reply(original, me, all: true);
            case "forward": return Composer.Forward(original);
            case "draft":
                var drafts = await SpecialFolderAsync(user, @"\Drafts", cancellationToken).ConfigureAwait(false);
                var draft = Composer.FromDraft(original);
                RestoreRawRecipients(original, draft);
                // Only a draft in the user's own Drafts is replaced when saved again; elsewhere it is a copy.
                draft.DraftUid = folder == drafts.Name ? uid : null;
                return draft;
            default: throw new MailActionException("Mail.Error.NoMessage");
        }
    }

    /// <summary>
    /// Sends through the submission pipeline (the rules SMTP submission applies, then the delivery agent),
    /// which also files the copy in Sent. On success the draft goes and a replied-to message gets \Answered.
    /// </summary>
    public async Task SendAsync(MailUser user, ComposeModel model, IPAddress? client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var recipients = Recipients(model);
        var account = await users.FindAsync(user.Address, cancellationToken).ConfigureAwait(false) ?? throw new MailActionException("Mail.Error.NoMailbox");
        var bytes = Composer.Build(model, new MailboxAddress(user.DisplayName, user.Address), await HostnameAsync(cancellationToken).ConfigureAwait(false), time.GetUtcNow(), includeBcc: true);
        var result = await submission.SubmitAsync(account, user.Address, recipients, bytes, client, cancellationToken).ConfigureAwait(false);
        if (!result.Accepted)
        {
            throw new MailActionException("Mail.Error.Refused",
                string.Join("; ", result.Refused.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Address}: {r.Code} {r.EnhancedCode} {r.Text}"))));
        }
        if (model.DraftUid is { } draft)
        {
            await DiscardDraftAsync(user, draft, cancellationToken).ConfigureAwait(false);
            model.DraftUid = null;
        }
        if (model.InReplyTo is { } replied && model.Kind is ComposeKind.Reply or ComposeKind.ReplyAll)
        {
            await MarkAnsweredAsync(user, replied, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The distinct envelope recipients of the form, or the refusal a send would meet before submission.</summary>
    /// <exception cref="MailActionException">An address that does not parse, or no recipient at all.</exception>
    public static IReadOnlyList<string> Recipients(ComposeModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var fields = new[] { Composer.ParseRecipients(model.To), Composer.ParseRecipients(model.Cc), Composer.ParseRecipients(model.Bcc) };
        var invalid = fields.SelectMany(f => f.Invalid).ToList();
        if (invalid.Count > 0)
        {
            throw new MailActionException("Mail.Error.InvalidAddress", string.Join(", ", invalid));
        }
        var recipients = fields.SelectMany(f => f.Addresses).Select(a => a.AddrSpec).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (recipients.Count == 0)
        {
            throw new MailActionException("Mail.Error.NoRecipients");
        }
        return recipients;
    }

    /// <summary>Saves the form to Drafts (\Draft \Seen), replacing the previous save; returns the new UID.</summary>
    public async Task<long> SaveDraftAsync(MailUser user, ComposeModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(model);
        var drafts = await SpecialFolderAsync(user, @"\Drafts", cancellationToken).ConfigureAwait(false);
        var bytes = DraftBytes(model, new MailboxAddress(user.DisplayName, user.Address), await HostnameAsync(cancellationToken).ConfigureAwait(false));
        long uid;
        try
        {
            uid = await writer.AppendMessageAsync(drafts.Id, user.Id, user.QuotaBytes, bytes, MessageFlags.Format([MessageFlags.Seen, MessageFlags.Draft]), cancellationToken).ConfigureAwait(false);
        }
        catch (MailboxException e) when (e.Code == "OVERQUOTA")
        {
            throw new MailActionException("Mail.Error.OverQuota");
        }
        // The new copy is committed before the old one goes: a crash in between leaves two drafts, never none.
        if (model.DraftUid is { } previous)
        {
            await DiscardDraftAsync(user, previous, cancellationToken).ConfigureAwait(false);
        }
        return uid;
    }

    public async Task DiscardDraftAsync(MailUser user, long uid, CancellationToken cancellationToken = default)
    {
        var drafts = await SpecialFolderAsync(user, @"\Drafts", cancellationToken).ConfigureAwait(false);
        await store.StoreFlagsAsync(drafts.Id, [uid], '+', [MessageFlags.Deleted], null, cancellationToken).ConfigureAwait(false);
        await store.ExpungeAsync(drafts.Id, [uid], cancellationToken).ConfigureAwait(false);
        events.Changed(drafts.Id);
    }

    /// <summary>
    /// Completion for the address being typed: users, aliases and groups of this server, and people the user
    /// wrote to lately (read from the Sent folder's summaries), matching the start of a name or address.
    /// </summary>
    public async Task<IReadOnlyList<string>> SuggestAsync(MailUser user, string typed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(typed);
        typed = typed.Trim();
        if (typed.Length < 2)
        {
            return [];
        }
        var found = new List<string>();
        var sent = await SpecialFolderAsync(user, @"\Sent", cancellationToken).ConfigureAwait(false);
        foreach (var recent in await summaries.PageAsync(sent.Id, MessageSort.Date, true, 0, 200, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var field in new[] { recent.Summary.To, recent.Summary.Cc })
            {
                found.AddRange(Composer.ParseRecipients(field).Addresses.Select(a => a.ToString()));
            }
        }
        var (directory, _) = await users.ListAsync(typed, 0, MaxSuggestions, null, cancellationToken).ConfigureAwait(false);
        found.AddRange(directory.Where(u => !u.Disabled).Select(u => string.IsNullOrWhiteSpace(u.DisplayName) ? u.Address : $"{u.DisplayName} <{u.Address}>"));
        found.AddRange((await aliases.ListAsync(cancellationToken).ConfigureAwait(false)).Select(a => a.Address));
        found.AddRange((await groups.ListAsync(cancellationToken).ConfigureAwait(false)).Select(g => g.Address));
        return [.. found.Where(s => Matches(s, typed)).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxSuggestions)];
    }

    private static bool Matches(string candidate, string typed) =>
        candidate.StartsWith(typed, StringComparison.OrdinalIgnoreCase)
        || candidate.Contains(" " + typed, StringComparison.OrdinalIgnoreCase)
        || candidate.Contains("<" + typed, StringComparison.OrdinalIgnoreCase);

    private async Task MarkAnsweredAsync(MailUser user, string messageId, CancellationToken cancellationToken)
    {
        var inbox = await store.FindMailboxAsync(user.Id, "INBOX", cancellationToken).ConfigureAwait(false);
        if (inbox is null) return;
        var uids = await summaries.UidsByMessageIdAsync(inbox.Id, messageId, cancellationToken).ConfigureAwait(false);
        if (uids.Count > 0)
        {
            await store.StoreFlagsAsync(inbox.Id, uids, '+', [MessageFlags.Answered], null, cancellationToken).ConfigureAwait(false);
            events.Changed(inbox.Id);
        }
    }

    /// <summary>Private field that carries address fields a draft could not yet put in To/Cc/Bcc.</summary>
    private const string RawRecipientsField = "X-Appliance-Draft-Recipients";

    /// <summary>
    /// A draft may hold a half-typed address ("bob@"), which no header can carry. The valid addresses go in
    /// To/Cc/Bcc as usual (other clients see them); the fields exactly as typed ride along in a private
    /// header, base64 so that nothing typed can break the header, and come back when the draft is resumed.
    /// </summary>
    private byte[] DraftBytes(ComposeModel model, MailboxAddress from, string hostname)
    {
        var fields = new[] { model.To, model.Cc, model.Bcc };
        var parsed = fields.Select(Composer.ParseRecipients).ToList();
        if (parsed.All(p => p.IsValid))
        {
            return Composer.Build(model, from, hostname, time.GetUtcNow(), includeBcc: true);
        }
        var valid = new ComposeModel
        {
            Kind = model.Kind,
            To = string.Join(", ", parsed[0].Addresses),
            Cc = string.Join(", ", parsed[1].Addresses),
            Bcc = string.Join(", ", parsed[2].Addresses),
            Subject = model.Subject,
            Html = model.Html,
            Attachments = model.Attachments,
            InReplyTo = model.InReplyTo,
            References = model.References,
        };
        var body = Composer.Build(valid, from, hostname, time.GetUtcNow(), includeBcc: true);
        var raw = Convert.ToBase64String(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(fields));
        return [.. System.Text.Encoding.ASCII.GetBytes(RawRecipientsField + ": " + raw + "\r\n"), .. body];
    }

    private static void RestoreRawRecipients(MimeMessage draft, ComposeModel model)
    {
        if (draft.Headers.GetValue(RawRecipientsField) is not { } raw)
        {
            return;
        }
        try
        {
            if (System.Text.Json.JsonSerializer.Deserialize<string[]>(Convert.FromBase64String(raw.Trim())) is [var to, var cc, var bcc])
            {
                (model.To, model.Cc, model.Bcc) = (to, cc, bcc);
            }
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            // Not ours after all (or damaged): the parsed To/Cc/Bcc stand.
        }
    }

    private async Task<string> HostnameAsync(CancellationToken cancellationToken) =>
        await settings.GetAsync(SettingKeys.HostName, cancellationToken).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
}
