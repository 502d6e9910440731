using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// What GETMETADATA and SETMETADATA share (RFC 5464): the target (the server for "", else a mailbox the session
/// may see), the rights each needs, and how entries are written.
/// </summary>
/// <remarks>
/// Rights on a mailbox (RFC 5464 §3.3 with RFC 4314): entries, private or shared, are read and set only on a mailbox
/// where the user has 'l' and any one of 'r', 's', 'w', 'i' or 'p'; without 'l' the mailbox does not exist for them
/// (NONEXISTENT), without the others NOPERM. §3.3 lets a server refuse a write on other grounds, and this one
/// does for /shared/ entries without 'w' (as Cyrus does): everyone who may open the mailbox sees them, so changing
/// one is changing the mailbox for all. Server entries: everyone signed in reads them and keeps their own private
/// ones; only administrators set shared ones. Private entries are the session user's, on any mailbox.
/// </remarks>
internal static class Metadata
{
    /// <summary>The server, or a mailbox with the session's rights on it.</summary>
    public sealed record Target(long? MailboxId, string Shown, ResolvedMailbox? Mailbox);

    public static async Task<Target> ResolveAsync(ImapSession session, string name)
    {
        if (name.Length == 0)
        {
            return new Target(null, "\"\"", null);
        }
        var mailbox = await MailboxResolver.ResolveAsync(session, name).ConfigureAwait(false)
            ?? throw new ImapNoException("NONEXISTENT", "No such mailbox");
        if (!mailbox.Rights.Any(r => r is 'r' or 's' or 'w' or 'i' or 'p'))
        {
            throw new ImapNoException("NOPERM", "Annotations need one of the 'r', 's', 'w', 'i' or 'p' rights on this mailbox");
        }
        return new Target(mailbox.State.Id, ImapSession.EncodeMailbox(mailbox.Name), mailbox);
    }

    /// <summary>§3.2.1 and §3.2.2: the entries this server keeps; anything else must be under a vendor's prefix.</summary>
    public static bool IsKept(string entry, bool server) =>
        entry is "/shared/comment"
        || (server ? entry == "/shared/admin" : entry == "/private/comment")
        || IsVendor(entry, MailStore.SharedPrefix) || IsVendor(entry, MailStore.PrivatePrefix);

    // "/shared/vendor/<vendor-token>..." with a token after the prefix.
    private static bool IsVendor(string entry, string root) =>
        entry.StartsWith(root + "/vendor/", StringComparison.Ordinal) && entry.Length > root.Length + "/vendor/".Length;

    /// <summary>An entry name as an atom where it may be one, quoted otherwise.</summary>
    public static string Entry(string name) =>
        name.Any(c => c is ' ' or '(' or ')' or '{' or '"' or '\\' or '%' or '*' or (char)0x7f) ? ImapString.Quote(name) : name;

    /// <summary>
    /// <c>value = nstring / literal8</c>: quoted when it is printable ASCII, a literal otherwise, and RFC 3516's literal8
    /// when it holds a NUL, which no IMAP4rev1 string may carry.
    /// </summary>
    public static void WriteValue(ImapSession session, byte[] value)
    {
        if (value.All(b => b is >= 0x20 and <= 0x7e))
        {
            session.Write(ImapString.Quote(Encoding.ASCII.GetString(value)));
            return;
        }
        var size = value.Length.ToString(CultureInfo.InvariantCulture);
        session.Write((value.Contains((byte)0) ? "~{" : "{") + size + "}\r\n");
        session.Write(value);
    }
}

/// <summary>
/// RFC 5464 §4.2 GETMETADATA: the entries asked for, with DEPTH 1 their children and with DEPTH infinity all below
/// them; with MAXSIZE, values longer than it are left out and the OK says [METADATA LONGENTRIES n], the longest left out.
/// </summary>
public sealed class GetMetadataCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["GETMETADATA"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var args = GetMetadataArguments.Parse(request.Args);
        var target = await Metadata.ResolveAsync(session, args.Mailbox).ConfigureAwait(false);
        var user = session.User!;
        var stored = (await session.Services.Store.MetadataAsync(target.MailboxId, user.Id, session.Cancellation).ConfigureAwait(false)).ToList();
        if (target.MailboxId is null && !stored.Any(e => e.Name == "/shared/admin"))
        {
            var admin = session.Services.Options.MetadataAdmin.Length > 0 ? session.Services.Options.MetadataAdmin : "mailto:postmaster@" + session.Services.HostName;
            stored.Add(new MetadataEntry("/shared/admin", Encoding.UTF8.GetBytes(admin)));
        }
        var found = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var asked in args.Entries)
        {
            var exact = stored.FirstOrDefault(e => e.Name == asked);
            // A missing entry asked for by itself is NIL; below DEPTH it is only what exists.
            if (exact is not null || args.Depth == MetadataDepth.Zero)
            {
                found[asked] = exact?.Value;
            }
            if (args.Depth == MetadataDepth.Zero)
            {
                continue;
            }
            foreach (var entry in stored.Where(e => e.Name.StartsWith(asked + "/", StringComparison.Ordinal)))
            {
                if (args.Depth == MetadataDepth.Infinity || !entry.Name.AsSpan(asked.Length + 1).Contains('/'))
                {
                    found[entry.Name] = entry.Value;
                }
            }
        }
        long longest = 0;
        var written = 0;
        foreach (var (name, value) in found)
        {
            if (value is not null && args.MaxSize is { } max && value.Length > max)
            {
                longest = Math.Max(longest, value.Length);
                continue;
            }
            session.Write(written++ == 0 ? $"* METADATA {target.Shown} (" : " ");
            session.Write(Metadata.Entry(name) + " ");
            if (value is null)
            {
                session.Write("NIL");
            }
            else
            {
                Metadata.WriteValue(session, value);
            }
            await session.FlushIfLargeAsync().ConfigureAwait(false);
        }
        if (written > 0)
        {
            session.Write(")\r\n");
        }
        await session.OkAsync(request, longest > 0
            ? $"[METADATA LONGENTRIES {longest.ToString(CultureInfo.InvariantCulture)}] GETMETADATA completed"
            : "GETMETADATA completed").ConfigureAwait(false);
    }
}

/// <summary>
/// RFC 5464 §4.3 SETMETADATA: sets entries, NIL removes one; all of them or none. Refusals: [METADATA MAXSIZE n]
/// for a value over <see cref="ImapOptions.MetadataMaxValueSize"/>, [METADATA TOOMANY] past
/// <see cref="ImapOptions.MetadataMaxEntriesPerMailbox"/>, [OVERQUOTA] past <see cref="ImapOptions.MetadataMaxBytesPerUser"/>,
/// [NOPERM] without the rights, [CANNOT] for an entry this server does not keep. [METADATA NOPRIVATE] is never
/// said: every user may keep private entries everywhere they may read.
/// </summary>
public sealed class SetMetadataCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SETMETADATA"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var args = SetMetadataArguments.Parse(request.Args);
        var options = session.Services.Options;
        var target = await Metadata.ResolveAsync(session, args.Mailbox).ConfigureAwait(false);
        var user = session.User!;
        var changes = new List<MetadataChange>(args.Values.Count);
        foreach (var (entry, value) in args.Values)
        {
            if (entry.Length > options.MetadataMaxNameLength)
            {
                throw new ImapNoException("LIMIT", $"Entry names are at most {options.MetadataMaxNameLength} characters");
            }
            if (!Metadata.IsKept(entry, server: target.MailboxId is null))
            {
                throw new ImapNoException("CANNOT", $"{entry} is not an entry of this server; use /shared/vendor/ or /private/vendor/");
            }
            if (value is { Length: var length } && length > options.MetadataMaxValueSize)
            {
                throw new ImapNoException("METADATA MAXSIZE " + options.MetadataMaxValueSize.ToString(CultureInfo.InvariantCulture), "Value too large");
            }
            if (entry.StartsWith(MailStore.SharedPrefix + "/", StringComparison.Ordinal))
            {
                if (target.Mailbox is null && !user.IsAdmin)
                {
                    throw new ImapNoException("NOPERM", "Only administrators set the server's shared entries");
                }
                if (target.Mailbox is { } mailbox && !mailbox.Has('w'))
                {
                    throw new ImapNoException("NOPERM", "You lack the 'w' right to set shared entries on this mailbox");
                }
            }
            changes.Add(new MetadataChange(entry, value?.ToArray()));
        }
        await session.Services.Store.SetMetadataAsync(target.MailboxId, user.Id, changes,
            new MetadataLimits(options.MetadataMaxEntriesPerMailbox, options.MetadataMaxBytesPerUser), session.Cancellation).ConfigureAwait(false);
        await session.OkAsync(request, "SETMETADATA completed").ConfigureAwait(false);
    }
}
