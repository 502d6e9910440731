using System.Globalization;
using System.Text;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Storage;

namespace Appliance.Web.Mail;

/// <summary>A message as the reading pane shows it.</summary>
public sealed record MessageView(
    long MailboxId,
    long Uid,
    string Folder,
    string Part,
    string Subject,
    string From,
    string FromAddress,
    string To,
    string Cc,
    DateTimeOffset? Date,
    string Flags,
    string FrameDocument,
    int BlockedRemoteImages,
    bool RemoteImagesAllowed,
    IReadOnlyList<AttachmentView> Attachments,
    string RawHeaders)
{
    /// <summary>
    /// Set when the message is shown in part (its body, its attachment list or its header past a limit of
    /// <see cref="WebmailOptions"/>, or its part tree past the parser's): the reading pane says so and offers the download.
    /// </summary>
    public bool Truncated { get; init; }

    /// <summary>The part that downloads the whole body, when the body was cut; null otherwise.</summary>
    public string? FullBodyPart { get; init; }
}

/// <summary>A part offered for download; <see cref="Part"/> addresses it in <see cref="MailService.PartAsync"/>.</summary>
public sealed record AttachmentView(string Part, string FileName, string ContentType, long Size, bool IsMessage);

/// <summary>A part's decoded bytes, for the download endpoint.</summary>
public sealed record PartContent(string FileName, string ContentType, byte[] Content, bool Inline);

public sealed partial class MailService
{
    public async Task<IReadOnlyList<ListedMessage>> PageAsync(MailUser user, string folder, MessageSort sort, bool descending, int offset, int count, CancellationToken cancellationToken = default)
    {
        var mailbox = await FolderAsync(user, folder, 'r', cancellationToken).ConfigureAwait(false);
        return await summaries.PageAsync(mailbox.State.Id, sort, descending, offset, count, SeenView.Of(mailbox.State, user.Id), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ListedThread>> ThreadsAsync(MailUser user, string folder, int offset, int count, CancellationToken cancellationToken = default)
    {
        var mailbox = await FolderAsync(user, folder, 'r', cancellationToken).ConfigureAwait(false);
        return await summaries.ThreadsAsync(mailbox.State.Id, offset, count, SeenView.Of(mailbox.State, user.Id), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ListedMessage>> ThreadAsync(MailUser user, string folder, string threadKey, CancellationToken cancellationToken = default)
    {
        var mailbox = await FolderAsync(user, folder, 'r', cancellationToken).ConfigureAwait(false);
        return await summaries.ThreadAsync(mailbox.State.Id, threadKey, SeenView.Of(mailbox.State, user.Id), cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> ThreadCountAsync(MailUser user, string folder, CancellationToken cancellationToken = default)
    {
        var mailbox = await FolderAsync(user, folder, 'r', cancellationToken).ConfigureAwait(false);
        return await summaries.ThreadCountAsync(mailbox.State.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Searches one folder or every folder the user may read; newest first, at most <see cref="WebmailOptions.SearchLimit"/>.</summary>
    public async Task<IReadOnlyList<(FolderNode Folder, ListedMessage Message)>> SearchAsync(MailUser user, string? folder, MessageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        List<FolderNode> folders;
        if (folder is null)
        {
            folders = [.. (await FoldersAsync(user, cancellationToken).ConfigureAwait(false)).Where(f => f.Has('r'))];
        }
        else
        {
            // One folder: resolve just it, without counting every folder's messages first.
            var one = await FolderAsync(user, folder, 'r', cancellationToken).ConfigureAwait(false);
            folders = [Node(one.Name, one.State.Name, one.Personal ? FolderSection.Personal : FolderResolver.IsPublic(one.Name) ? FolderSection.Public : FolderSection.OtherUsers,
                one.State.SpecialUse, one.State.Id, one.Rights, null) with { PrivateSeen = one.State.SeenReader(user.Id) is not null }];
        }
        var byId = folders.ToDictionary(f => f.MailboxId);
        var found = await summaries.SearchAsync([.. byId.Keys], query, Options.SearchLimit, SeenOf(user, folders), cancellationToken).ConfigureAwait(false);
        return [.. found.Select(f => (byId[f.MailboxId], f.Message))];
    }

    /// <summary>
    /// Opens a message for the reading pane and marks it read (when the user may set \Seen there).
    /// <paramref name="part"/> empty is the message itself; otherwise an attached message inside it.
    /// </summary>
    public async Task<MessageView> ReadAsync(MailUser user, string folder, long uid, string part = "", bool allowRemoteImages = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var mailbox = await FolderAsync(user, folder, 'r', cancellationToken).ConfigureAwait(false);
        var reader = mailbox.State.SeenReader(user.Id);
        var rows = await store.MessagesByUidAsync(mailbox.State.Id, [uid], reader, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            throw new MailActionException("Mail.Error.NoMessage");
        }
        var stored = rows[0];
        // Loaded for this method only: everything the view keeps is a copy.
        using var loaded = await LoadScopedAsync(stored, cancellationToken).ConfigureAwait(false);
        var root = loaded.Message;
        var message = part.Length == 0 ? root : (ResolvePart(root, part)?.Message ?? throw new MailActionException("Mail.Error.NoMessage"));
        if (part.Length == 0 && mailbox.Has('s') && !MessageFlags.Has(stored.Flags, MessageFlags.Seen))
        {
            await store.StoreFlagsAsync(mailbox.State.Id, [uid], '+', [MessageFlags.Seen], reader, cancellationToken).ConfigureAwait(false);
            events.Changed(mailbox.State.Id);
        }
        var from = message.From.FirstOrDefault();
        var fromAddress = from?.AddrSpec.ToLowerInvariant() ?? "";
        var remote = allowRemoteImages || (fromAddress.Length > 0 && await trusted.IsTrustedAsync(user.Id, fromAddress, cancellationToken).ConfigureAwait(false));
        var prefix = part.Length == 0 ? "" : part + ".";
        var body = ChooseBody(message);
        var cids = Parts(message).Select((e, i) => (e, i)).Where(x => x.e.ContentId is not null)
            .GroupBy(x => x.e.ContentId!.Trim().Trim('<', '>'), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var sanitizeOptions = new SanitizeOptions
        {
            AllowRemoteImages = remote,
            ResolveContentId = cid => cids.TryGetValue(cid, out var index)
                ? string.Create(CultureInfo.InvariantCulture, $"/mail/part/{mailbox.State.Id}/{uid}/{prefix}{index}")
                : null,
        };
        // The body's start only, past MaxRenderedBodyBytes: what a reader can read, at a cost bounded whatever was sent.
        var bodyCut = false;
        var text = body is null ? "" : body.GetText(Options.MaxRenderedBodyBytes, out bodyCut);
        var html = body is null ? "" : body.ContentType.Is("text", "html") ? text : PlainToHtml(text);
        var sanitized = HtmlSanitizer.Sanitize(html, sanitizeOptions);
        var attached = new HashSet<MimeEntity>(Mime.Attachments.Of(message), ReferenceEqualityComparer.Instance);
        var attachments = Parts(message).Select((e, i) => (e, i))
            .Where(x => attached.Contains(x.e))
            .Select(x => new AttachmentView(prefix + x.i.ToString(CultureInfo.InvariantCulture), FileNameOf(x.e, x.i), x.e.ContentType.MimeType, x.e.RawBody.Length, x.e.ContentType.IsMessage))
            .Take(Options.MaxAttachmentsListed + 1)
            .ToList();
        var listCut = attachments.Count > Options.MaxAttachmentsListed;
        if (listCut)
        {
            attachments.RemoveAt(attachments.Count - 1);
        }
        var max = Options.MaxHeaderCharsShown;
        var header = message.Root.RawHeader.Span;
        var headerCut = header.Length > max;
        // A header field or a part tree the parser cut is shown cut too.
        var parserCut = root.IsTruncated;
        var bodyIndex = body is null ? -1 : Parts(message).Select((e, i) => (e, i)).First(x => ReferenceEquals(x.e, body)).i;
        return new MessageView(mailbox.State.Id, uid, mailbox.Name, part,
            Cut(message.Subject ?? "", max), Cut(from?.ToString() ?? "", max), fromAddress,
            JoinAddresses(message.To, max), JoinAddresses(message.Cc, max), message.Date ?? (part.Length == 0 ? stored.InternalDate : null),
            stored.Flags, MessageFrame.Document(sanitized, remote), sanitized.BlockedRemoteImages, remote,
            attachments, Encoding.UTF8.GetString(HeaderField.Bounded(header, max)) + (headerCut ? "\n…" : ""))
        {
            Truncated = bodyCut || listCut || headerCut || parserCut,
            FullBodyPart = bodyCut ? prefix + bodyIndex.ToString(CultureInfo.InvariantCulture) : null,
        };
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    /// <summary>"Name &lt;addr&gt;, …" of as many addresses as fit in <paramref name="max"/> characters.</summary>
    private static string JoinAddresses(IReadOnlyList<MailboxAddress> addresses, int max)
    {
        var text = new StringBuilder();
        foreach (var address in addresses)
        {
            var next = address.ToString();
            if (text.Length + next.Length + 2 > max)
            {
                text.Append(text.Length > 0 ? ", …" : "…");
                break;
            }
            text.Append(text.Length > 0 ? ", " : "").Append(next);
        }
        return text.ToString();
    }

    /// <summary>The raw message, for reply, forward and "open draft".</summary>
    public async Task<MimeMessage> MessageAsync(MailUser user, string folder, long uid, CancellationToken cancellationToken = default)
    {
        var mailbox = await FolderAsync(user, folder, 'r', cancellationToken).ConfigureAwait(false);
        return (await LoadAsync(mailbox, uid, cancellationToken).ConfigureAwait(false)).Message;
    }

    /// <summary>A part's decoded content for download or an inline image; the user needs 'r' on its folder.</summary>
    public async Task<PartContent?> PartAsync(MailUser user, long mailboxId, long uid, string part, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var rights = await store.RightsAsync(mailboxId, user.Id, user.Address, user.IsAdmin, cancellationToken).ConfigureAwait(false);
        if (!rights.Contains('r', StringComparison.Ordinal))
        {
            return null;
        }
        var rows = await store.MessagesByUidAsync(mailboxId, [uid], null, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return null;
        }
        using var loaded = await LoadScopedAsync(rows[0], cancellationToken).ConfigureAwait(false);
        var message = loaded.Message;
        var entity = ResolvePart(message, part);
        if (entity is null || entity.IsMultipart)
        {
            return null;
        }
        var content = entity.ContentType.IsMessage ? entity.RawBody.ToArray() : entity.GetContent();
        var inline = entity.ContentType.MediaType == "image" && entity.ContentId is not null;
        var index = part.Split('.')[^1];
        return new PartContent(FileNameOf(entity, int.Parse(index, CultureInfo.InvariantCulture)), entity.ContentType.MimeType, content, inline);
    }

    /// <summary>Sets or clears a flag (\Seen, \Flagged) on messages; \Seen needs 's', others 'w'.</summary>
    public async Task SetFlagAsync(MailUser user, string folder, IReadOnlyCollection<long> uids, string flag, bool on, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var mailbox = await FolderAsync(user, folder, flag == MessageFlags.Seen ? 's' : 'w', cancellationToken).ConfigureAwait(false);
        if (uids.Count == 0) return;
        await store.StoreFlagsAsync(mailbox.State.Id, uids, on ? '+' : '-', [flag], mailbox.State.SeenReader(user.Id), cancellationToken).ConfigureAwait(false);
        events.Changed(mailbox.State.Id);
    }

    /// <summary>Moves messages to another folder (RFC 6851 semantics: atomically, flags kept).</summary>
    public async Task MoveAsync(MailUser user, string folder, IReadOnlyCollection<long> uids, string target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var from = await FolderAsync(user, folder, 'r', cancellationToken).ConfigureAwait(false);
        if (!from.Has('t') || !from.Has('e'))
        {
            throw new MailActionException("Mail.Error.NoRight", folder);
        }
        var to = await FolderAsync(user, target, 'i', cancellationToken).ConfigureAwait(false);
        if (to.State.Id == from.State.Id || uids.Count == 0) return;
        var quota = to.Personal ? user.QuotaBytes : await store.QuotaOfAsync(to.OwnerId, cancellationToken).ConfigureAwait(false);
        try
        {
            var pairs = await store.CopyAsync(from.State.Id, uids, to.State.Id, move: true, quota, to.OwnerId, (from.State.SeenReader(user.Id), to.State.SeenReader(user.Id)), cancellationToken).ConfigureAwait(false);
            // Into or out of Junk teaches the user's classifier, as a mail client's move does over IMAP.
            _ = training.LearnMovedAsync(user.Id, from.State.Id, to.State.Id, [.. pairs.Select(p => p.To)]);
        }
        catch (MailboxException e) when (e.Code == "OVERQUOTA")
        {
            throw new MailActionException("Mail.Error.OverQuota");
        }
        events.Changed(from.State.Id, to.State.Id);
    }

    /// <summary>Delete as desktop clients do: to Trash; in Trash itself, for good.</summary>
    public async Task DeleteAsync(MailUser user, string folder, IReadOnlyCollection<long> uids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var trash = await SpecialFolderAsync(user, @"\Trash", cancellationToken).ConfigureAwait(false);
        var mailbox = await FolderAsync(user, folder, 'r', cancellationToken).ConfigureAwait(false);
        if (mailbox.State.Id != trash.Id)
        {
            await MoveAsync(user, folder, uids, trash.Name, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (uids.Count == 0) return;
        await store.StoreFlagsAsync(mailbox.State.Id, uids, '+', [MessageFlags.Deleted], mailbox.State.SeenReader(user.Id), cancellationToken).ConfigureAwait(false);
        await store.ExpungeAsync(mailbox.State.Id, uids, cancellationToken).ConfigureAwait(false);
        events.Changed(mailbox.State.Id);
    }

    /// <summary>"Junk": into the user's Junk folder (the spam filter learns from it once there is one).</summary>
    public async Task JunkAsync(MailUser user, string folder, IReadOnlyCollection<long> uids, CancellationToken cancellationToken = default)
    {
        var junk = await SpecialFolderAsync(user, @"\Junk", cancellationToken).ConfigureAwait(false);
        await MoveAsync(user, folder, uids, junk.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Remote images from this sender always load for this user.</summary>
    public Task TrustSenderAsync(MailUser user, string address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return trusted.TrustAsync(user.Id, address, cancellationToken);
    }

    private async Task<(StoredMessage Stored, MimeMessage Message)> LoadAsync(ResolvedMailbox mailbox, long uid, CancellationToken cancellationToken)
    {
        var rows = await store.MessagesByUidAsync(mailbox.State.Id, [uid], null, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            throw new MailActionException("Mail.Error.NoMessage");
        }
        return (rows[0], await ParseAsync(rows[0], cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The message for one method's scope (see <see cref="MessageLoader"/>): its results are copied before it is disposed.</summary>
    private Task<LoadedMessage> LoadScopedAsync(StoredMessage stored, CancellationToken cancellationToken) =>
        LoadAsync(stored, MessageLifetime.Scoped, cancellationToken);

    /// <summary>The message as the composer keeps it (reply, forward, draft): bytes of its own.</summary>
    private async Task<MimeMessage> ParseAsync(StoredMessage stored, CancellationToken cancellationToken)
    {
        using var loaded = await LoadAsync(stored, MessageLifetime.Owned, cancellationToken).ConfigureAwait(false);
        return loaded.Message;
    }

    private async Task<LoadedMessage> LoadAsync(StoredMessage stored, MessageLifetime lifetime, CancellationToken cancellationToken)
    {
        if (stored.Size > Options.MaxDisplayBytes)
        {
            throw new MailActionException("Mail.Error.TooLarge");
        }
        return await messages.LoadAsync(stored.BlobHash, lifetime, cancellationToken).ConfigureAwait(false) ?? throw new MailActionException("Mail.Error.NoMessage");
    }

    /// <summary>"3" is the fourth entity of the message; "3.1" the second entity of the message attached there.</summary>
    internal static MimeEntity? ResolvePart(MimeMessage message, string path)
    {
        MimeEntity? entity = null;
        var current = message;
        foreach (var segment in path.Split('.'))
        {
            if (current is null || !int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                return null;
            }
            entity = Parts(current).ElementAtOrDefault(index);
            if (entity is null)
            {
                return null;
            }
            current = entity.Message;
        }
        return entity;
    }

    /// <summary>The part a reader reads: HTML where the sender offered it, else plain text (<see cref="Mime.Attachments.Bodies"/>).</summary>
    private static MimeEntity? ChooseBody(MimeMessage message) => Mime.Attachments.Bodies(message).Preferred;

    /// <summary>
    /// The message's own entities, depth first, without entering attached messages: those are shown as
    /// one attachment each and opened on their own. Index 0 is the message's root.
    /// </summary>
    internal static IReadOnlyList<MimeEntity> Parts(MimeMessage message)
    {
        var parts = new List<MimeEntity>();
        var stack = new Stack<MimeEntity>();
        stack.Push(message.Root);
        while (stack.Count > 0)
        {
            var entity = stack.Pop();
            parts.Add(entity);
            for (var i = entity.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(entity.Children[i]);
            }
        }
        return parts;
    }

    private static string FileNameOf(MimeEntity entity, int index) =>
        entity.FileName is { Length: > 0 } name ? name
        : entity.ContentType.IsMessage ? SafeFileName(entity.Message?.Subject) is { Length: > 0 } subject ? subject + ".eml" : "message-" + index.ToString(CultureInfo.InvariantCulture) + ".eml"
        : "part-" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>A subject as a file name: no path separators or control characters, at most 80 characters.</summary>
    private static string? SafeFileName(string? text) =>
        text is null ? null : new string([.. text.Where(c => !char.IsControl(c) && c is not '/' and not '\\' and not ':' and not '"').Take(80)]).Trim();

    /// <summary>Plain text shown as the sender wrote it: escaped, line breaks kept, long lines wrapped by the frame.</summary>
    internal static string PlainToHtml(string text) =>
        "<div style=\"white-space:pre-wrap;font-family:monospace\">" + System.Net.WebUtility.HtmlEncode(text) + "</div>";
}
