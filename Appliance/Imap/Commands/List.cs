using System.Text;
using System.Text.RegularExpressions;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.3.8 LIST and §6.3.9 LSUB, with LIST-EXTENDED (RFC 5258) selection and return options
/// SUBSCRIBED, SPECIAL-USE (RFC 6154), CHILDREN, and RETURN (STATUS ...) of RFC 5819.
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
        var mailboxes = await session.Services.Store.MailboxesAsync(user.Id, session.Cancellation).ConfigureAwait(false);
        var subscribed = (await session.Services.Store.SubscriptionsAsync(user.Id, session.Cancellation).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var names = mailboxes.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var matchers = patterns.Select(p => Matcher(MailStore.Normalize(reference + p))).ToList();
        foreach (var mailbox in mailboxes.OrderBy(m => m.Name == "INBOX" ? 0 : 1).ThenBy(m => m.Name, StringComparer.Ordinal))
        {
            if (!matchers.Any(m => m.IsMatch(mailbox.Name))) continue;
            if (selectSubscribed && !subscribed.Contains(mailbox.Name)) continue;
            if (selectSpecialUse && mailbox.SpecialUse is null) continue;
            var attributes = new List<string>();
            attributes.Add(names.Any(n => n.StartsWith(mailbox.Name + "/", StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren");
            if (returnSubscribed && subscribed.Contains(mailbox.Name)) attributes.Add("\\Subscribed");
            if (mailbox.SpecialUse is not null && (returnSpecialUse || !lsub)) attributes.Add(mailbox.SpecialUse);
            session.WriteLine($"* {request.Name} ({string.Join(' ', attributes)}) \"/\" {ImapSession.EncodeMailbox(mailbox.Name)}");
            if (status.Count > 0)
            {
                await StatusCommand.WriteStatusAsync(session, mailbox.Name, status).ConfigureAwait(false);
            }
        }
        // Public folders this user may look up, under "Shared Folders/".
        var publicFolders = await session.Services.Store.PublicMailboxesAsync(user.Address, user.IsAdmin, session.Cancellation).ConfigureAwait(false);
        if (publicFolders.Count > 0 && !selectSpecialUse)
        {
            var root = MailboxResolver.SharedFolders;
            var publicNames = publicFolders.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            if (matchers.Any(m => m.IsMatch(root)) && !selectSubscribed)
            {
                session.WriteLine($"* {request.Name} (\\Noselect \\HasChildren) \"/\" {ImapSession.EncodeMailbox(root)}");
            }
            foreach (var (folder, _) in publicFolders)
            {
                var name = $"{root}/{folder}";
                if (!matchers.Any(m => m.IsMatch(name))) continue;
                if (selectSubscribed && !subscribed.Contains(name)) continue;
                var attributes = new List<string> { publicNames.Any(n => n.StartsWith(folder + "/", StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren" };
                if (returnSubscribed && subscribed.Contains(name)) attributes.Add("\\Subscribed");
                session.WriteLine($"* {request.Name} ({string.Join(' ', attributes)}) \"/\" {ImapSession.EncodeMailbox(name)}");
                if (status.Count > 0)
                {
                    await StatusCommand.WriteStatusAsync(session, name, status).ConfigureAwait(false);
                }
            }
        }

        // Folders others share with this user, under "Other Users/<owner>/", with the levels above them.
        var shared = await session.Services.Store.SharedWithAsync(user.Id, user.Address, session.Cancellation).ConfigureAwait(false);
        if (shared.Count > 0 && !selectSpecialUse)
        {
            var levels = new List<(string Name, bool Selectable)> { (MailboxResolver.OtherUsers, false) };
            foreach (var owner in shared.Select(m => m.Owner).Distinct())
            {
                levels.Add(($"{MailboxResolver.OtherUsers}/{owner}", false));
                levels.AddRange(shared.Where(m => m.Owner == owner).Select(m => (MailboxResolver.SharedName(owner, m.Name), true)));
            }
            foreach (var (name, selectable) in levels)
            {
                if (!matchers.Any(m => m.IsMatch(name))) continue;
                if (selectSubscribed && !subscribed.Contains(name)) continue;
                var attributes = selectable ? new List<string> { "\\HasNoChildren" } : ["\\Noselect", "\\HasChildren"];
                if (returnSubscribed && subscribed.Contains(name)) attributes.Add("\\Subscribed");
                session.WriteLine($"* {request.Name} ({string.Join(' ', attributes)}) \"/\" {ImapSession.EncodeMailbox(name)}");
                if (selectable && status.Count > 0)
                {
                    await StatusCommand.WriteStatusAsync(session, name, status).ConfigureAwait(false);
                }
            }
        }
        await session.OkAsync(request, request.Name + " completed").ConfigureAwait(false);
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
