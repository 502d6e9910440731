using System.Globalization;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.3.10 STATUS: MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN, and SIZE (RFC 8438) and HIGHESTMODSEQ.</summary>
public sealed class StatusCommand : ImapCommand
{
    private static readonly string[] Items = ["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE", "HIGHESTMODSEQ"];

    public override IReadOnlyList<string> Names => ["STATUS"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var name = ImapSession.DecodeMailbox(request.Args.ReadAString());
        request.Args.ReadSpace();
        var items = ReadItems(request.Args);
        request.Args.ExpectEnd();
        if (!await WriteStatusAsync(session, name, items).ConfigureAwait(false))
        {
            throw new ImapNoException("NONEXISTENT", "No such mailbox");
        }
        await session.OkAsync(request, "STATUS completed").ConfigureAwait(false);
    }

    internal static string[] ReadItems(ImapParser args)
    {
        args.Expect('(');
        var items = new List<string>();
        do
        {
            var item = args.ReadAtom();
            if (!Items.Contains(item))
            {
                throw new ImapSyntaxException($"Unknown STATUS item {item}");
            }
            items.Add(item);
        }
        while (args.TrySpace());
        args.Expect(')');
        return [.. items];
    }

    internal static async Task<bool> WriteStatusAsync(ImapSession session, string name, IReadOnlyList<string> items)
    {
        var store = session.Services.Store;
        var resolved = await MailboxResolver.ResolveAsync(session, name).ConfigureAwait(false);
        if (resolved is null)
        {
            return false;
        }
        if (!resolved.Has('r'))
        {
            throw new ImapNoException("NOPERM", "You lack the 'r' right on this mailbox");
        }
        var mailbox = resolved.State;
        var entries = await store.EntriesAsync(mailbox.Id, session.Cancellation).ConfigureAwait(false);
        var values = new List<string>();
        foreach (var item in items)
        {
            var value = item switch
            {
                "MESSAGES" => entries.Count,
                "RECENT" => entries.Count(e => e.Uid >= mailbox.RecentUid),
                "UIDNEXT" => mailbox.Uidnext,
                "UIDVALIDITY" => mailbox.Uidvalidity,
                "UNSEEN" => entries.Count(e => !MessageFlags.Has(e.Flags, MessageFlags.Seen)),
                "SIZE" => await store.SizeAsync(mailbox.Id, session.Cancellation).ConfigureAwait(false),
                _ => mailbox.Highestmodseq,
            };
            values.Add(item + " " + value.ToString(CultureInfo.InvariantCulture));
        }
        session.WriteLine($"* STATUS {ImapSession.EncodeMailbox(resolved.Name)} ({string.Join(' ', values)})");
        return true;
    }
}
