using System.Text;
using System.Text.RegularExpressions;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.3.8 LIST and §6.3.9 LSUB, with LIST-EXTENDED (RFC 5258) selection options SUBSCRIBED, SPECIAL-USE
/// (RFC 6154) and RECURSIVEMATCH (CHILDINFO), return options SUBSCRIBED, SPECIAL-USE, CHILDREN, and STATUS (RFC 5819).
/// </summary>
public sealed class ListCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["LIST", "LSUB"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var lsub = request.Name == "LSUB";
        var arguments = ListArguments.Parse(request.Args, lsub);
        // LSUB is LIST (SUBSCRIBED) without the \Subscribed attribute; SPECIAL-USE selection implies returning it (RFC 6154 §3).
        var selectSubscribed = lsub || arguments.SelectSubscribed;
        var selectSpecialUse = arguments.SelectSpecialUse;
        var reference = arguments.Reference;
        var patterns = arguments.Patterns;
        var status = arguments.ReturnStatus;
        var returnSpecialUse = selectSpecialUse || arguments.ReturnSpecialUse;
        var returnSubscribed = (selectSubscribed && !lsub) || arguments.ReturnSubscribed;

        if (patterns.Count == 1 && patterns[0].Length == 0)
        {
            // RFC 3501: an empty pattern asks for the hierarchy separator and the root.
            session.WriteLine($"* {request.Name} (\\Noselect) \"/\" \"\"");
            await session.OkAsync(request, request.Name + " completed").ConfigureAwait(false);
            return;
        }

        var user = session.User!;
        var store = session.Services.Store;
        var subscribed = (await store.SubscriptionsAsync(user.Id, session.Cancellation).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var matchers = patterns.Select(p => Matcher(MailStore.Normalize(reference + p))).ToList();
        var entries = await EntriesAsync(session, user, selectSpecialUse).ConfigureAwait(false);
        // RFC 5258 §3.5: with RECURSIVEMATCH, a name the patterns match that has a subscribed descendant they do not
        // match is returned with CHILDINFO ("SUBSCRIBED"), subscribed or not (a descendant they match speaks for itself).
        // LSUB does the same for "%" (RFC 3501 §6.3.9), flagging an unsubscribed such name \Noselect.
        var withSubscribedChild = new HashSet<string>(StringComparer.Ordinal);
        if (lsub || (selectSubscribed && arguments.RecursiveMatch))
        {
            foreach (var name in subscribed.Where(n => !matchers.Any(m => m.IsMatch(n))))
            {
                for (var slash = name.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = name.IndexOf('/', slash + 1))
                {
                    withSubscribedChild.Add(name[..slash]);
                }
            }
        }
        if (selectSubscribed && !selectSpecialUse)
        {
            // RFC 3501 §6.3.6 keeps a subscription when its mailbox goes; RFC 5258 §3 lists it as \NonExistent, and so
            // a level above a subscription that exists no more.
            var existing = entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            entries.AddRange(subscribed.Concat(withSubscribedChild).Where(n => !existing.Contains(n)).Distinct().Order(StringComparer.Ordinal)
                .Select(n => new Entry(n, [], Exists: false, SpecialUse: null)));
        }
        foreach (var entry in entries)
        {
            if (!matchers.Any(m => m.IsMatch(entry.Name))) continue;
            var isSubscribed = subscribed.Contains(entry.Name);
            var childInfo = withSubscribedChild.Contains(entry.Name);
            if (selectSubscribed && !isSubscribed && !childInfo) continue;
            if (lsub && !isSubscribed)
            {
                session.WriteLine($"* LSUB (\\Noselect) \"/\" {session.MailboxName(entry.Name)}");
                continue;
            }
            var attributes = new List<string>(entry.Attributes);
            if (!entry.Exists && !lsub)
            {
                attributes.Add("\\NonExistent");
            }
            if (returnSubscribed && isSubscribed) attributes.Insert(entry.Exists ? attributes.Count : 0, "\\Subscribed");
            if (entry.SpecialUse is not null && (returnSpecialUse || !lsub)) attributes.Add(entry.SpecialUse);
            session.WriteLine($"* {request.Name} ({string.Join(' ', attributes)}) \"/\" {session.MailboxName(entry.Name)}{(childInfo && !lsub ? " (CHILDINFO (\"SUBSCRIBED\"))" : "")}");
            if (status.Count > 0 && entry.Exists && !entry.Attributes.Contains("\\Noselect"))
            {
                await StatusCommand.WriteStatusAsync(session, entry.Name, status).ConfigureAwait(false);
            }
        }
        await session.OkAsync(request, request.Name + " completed").ConfigureAwait(false);
    }

    /// <summary>A name LIST may return: its attributes without \Subscribed, whether a mailbox of that name exists, its special use.</summary>
    private sealed record Entry(string Name, IReadOnlyList<string> Attributes, bool Exists, string? SpecialUse);

    /// <summary>
    /// Every name this user can see, in the order LIST returns them: INBOX and the user's own folders, then public folders
    /// under "Shared Folders/", then folders others share under "Other Users/&lt;owner&gt;/", with the levels above them.
    /// </summary>
    private static async Task<List<Entry>> EntriesAsync(ImapSession session, Accounts.User user, bool selectSpecialUse)
    {
        var store = session.Services.Store;
        var mailboxes = await store.MailboxesAsync(user.Id, session.Cancellation).ConfigureAwait(false);
        var names = mailboxes.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var entries = new List<Entry>();
        foreach (var mailbox in mailboxes.OrderBy(m => m.Name == "INBOX" ? 0 : 1).ThenBy(m => m.Name, StringComparer.Ordinal))
        {
            if (selectSpecialUse && mailbox.SpecialUse is null) continue;
            var children = names.Any(n => n.StartsWith(mailbox.Name + "/", StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren";
            entries.Add(new Entry(mailbox.Name, [children], Exists: true, mailbox.SpecialUse));
        }
        if (selectSpecialUse)
        {
            return entries;
        }
        var publicFolders = await store.PublicMailboxesAsync(user.Address, user.IsAdmin, session.Cancellation).ConfigureAwait(false);
        if (publicFolders.Count > 0)
        {
            var root = MailboxResolver.SharedFolders;
            var publicNames = publicFolders.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            entries.Add(new Entry(root, ["\\Noselect", "\\HasChildren"], Exists: true, SpecialUse: null));
            foreach (var (folder, _) in publicFolders)
            {
                var children = publicNames.Any(n => n.StartsWith(folder + "/", StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren";
                entries.Add(new Entry($"{root}/{folder}", [children], Exists: true, SpecialUse: null));
            }
        }
        var shared = await store.SharedWithAsync(user.Id, user.Address, session.Cancellation).ConfigureAwait(false);
        if (shared.Count > 0)
        {
            entries.Add(new Entry(MailboxResolver.OtherUsers, ["\\Noselect", "\\HasChildren"], Exists: true, SpecialUse: null));
            foreach (var owner in shared.Select(m => m.Owner).Distinct())
            {
                entries.Add(new Entry($"{MailboxResolver.OtherUsers}/{owner}", ["\\Noselect", "\\HasChildren"], Exists: true, SpecialUse: null));
                entries.AddRange(shared.Where(m => m.Owner == owner).Select(m => new Entry(MailboxResolver.SharedName(owner, m.Name), ["\\HasNoChildren"], Exists: true, SpecialUse: null)));
            }
        }
        return entries;
    }

    /// <summary>"*" matches anything, "%" anything but the separator; INBOX matches in any case.</summary>
    internal static Regex Matcher(string pattern)
    {
        var regex = new StringBuilder("^");
        foreach (var c in pattern)
        {
            regex.Append(c switch
            {
                '*' => ".*",
                '%' => "[^/]*",
                _ => Regex.Escape(c.ToString()),
            });
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }
}
