using System.Globalization;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Storage;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.4.5 FETCH and UID FETCH: UID, FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY,
/// BODYSTRUCTURE, BODY[section]&lt;partial&gt;, BODY.PEEK, RFC822, RFC822.HEADER, RFC822.TEXT, the macros
/// ALL, FAST and FULL, BINARY[section]&lt;partial&gt;, BINARY.PEEK and BINARY.SIZE (RFC 3516), CONDSTORE's MODSEQ item and CHANGEDSINCE modifier and QRESYNC's VANISHED (RFC 7162), OBJECTID's
/// EMAILID and THREADID (RFC 8474) SAVEDATE (RFC 8514) and PREVIEW (RFC 8970).
/// Reading a body without PEEK sets \Seen in a read-write mailbox, and the new flags are sent along.
/// </summary>
public sealed class FetchCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["FETCH"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = FetchArguments.Parse(request.Args, request.Uid);
        var selected = session.Selected!;
        var items = arguments.Items.ToList();
        var changedSince = arguments.Modifiers.ChangedSince;
        if (arguments.Modifiers.Vanished)
        {
            await Qresync.FetchVanishedAsync(session, arguments, request.Uid).ConfigureAwait(false);
        }
        if (items.Contains(FetchItem.Modseq))
        {
            // RFC 7162 §3.1: a FETCH that names MODSEQ is a CONDSTORE-enabling command.
            Condstore.Enable(session);
        }
        if (changedSince is not null)
        {
            // RFC 7162 §3.1: CHANGEDSINCE is a CONDSTORE-enabling command, and implies MODSEQ in the answer.
            Condstore.Enable(session);
            if (!items.Contains(FetchItem.Modseq))
            {
                items.Add(FetchItem.Modseq);
            }
        }
        // UID FETCH answers with the UID whether or not it was asked for (RFC 3501 §6.4.8).
        if (arguments.Uid && !items.Any(i => i.Attribute == FetchAttribute.Uid))
        {
            items.Insert(0, FetchItem.Uid);
        }
        // RFC 7162 §3.1.4.1: once CONDSTORE is on, every FETCH that returns FLAGS returns MODSEQ too.
        if (Condstore.IsEnabled(session) && !items.Any(i => i.Attribute == FetchAttribute.Modseq) && items.Any(i => i.Attribute == FetchAttribute.Flags))
        {
            items.Add(FetchItem.Modseq);
        }

        // What other sessions changed is announced first (without expunges, which a FETCH may not report): otherwise the
        // answer would pair the view's old flags with the rows' newer MODSEQ, and a held-back expunge's HIGHESTMODSEQ
        // would come after a MODSEQ past it (RFC 7162 §3.2).
        await session.ReportChangesAsync(allowExpunge: false).ConfigureAwait(false);
        var uids = selected.Resolve(arguments.Set, request.Uid, session.SavedSearch);
        var expungedMeanwhile = await WriteAsync(session, items, uids, changedSince, allowSeen: true).ConfigureAwait(false);
        if (expungedMeanwhile && !request.Uid)
        {
            // Another session expunged some of them and this one may not say so yet (RFC 3501 §7.4.1):
            // a plain OK would pass the gap off as complete data (RFC 2180 §4.1.2, RFC 5530 EXPUNGEISSUED).
            // UID FETCH needs no NO: its OK announces the EXPUNGEs.
            await session.ReportChangesAsync(allowExpunge: false).ConfigureAwait(false);
            throw new ImapNoException("EXPUNGEISSUED", "Some of the requested messages no longer exist");
        }
        await session.OkAsync(request, request.Uid ? "UID FETCH completed" : "FETCH completed").ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the FETCH responses of <paramref name="uids"/> in the selected mailbox; with <paramref name="allowSeen"/> a
    /// body read without PEEK sets \Seen (a FETCH command does, NOTIFY's MessageNew never). True when some had gone.
    /// </summary>
    internal static async Task<bool> WriteAsync(ImapSession session, IReadOnlyList<FetchItem> items, IReadOnlyList<long> uids, long? changedSince, bool allowSeen)
    {
        var selected = session.Selected!;
        var store = session.Services.Store;
        var rows = await store.MessagesByUidAsync(selected.Id, uids, selected.SeenReader, session.Cancellation).ConfigureAwait(false);
        var expungedMeanwhile = rows.Count < uids.Count;
        if (changedSince is { } since)
        {
            rows = [.. rows.Where(r => r.Modseq > since)];
        }

        // Reading without PEEK marks the messages \Seen (RFC 3501 §6.4.5), before the answer that shows it.
        var marksSeen = allowSeen && items.Any(i => i.SetsSeen) && !selected.ReadOnly && selected.Has('s');
        var seenNow = new HashSet<long>();
        if (marksSeen)
        {
            var unseen = rows.Where(r => !MessageFlags.Has(selected.FlagsOf(r.Uid), MessageFlags.Seen)).Select(r => r.Uid).ToList();
            if (unseen.Count > 0)
            {
                var changed = await store.StoreFlagsAsync(selected.Id, unseen, '+', [MessageFlags.Seen], selected.SeenReader, session.Cancellation).ConfigureAwait(false);
                selected.Apply(changed);
                seenNow.UnionWith(changed.Select(c => c.Uid));
                session.Services.Events.Changed(selected.Id);
            }
        }

        if (items.Any(i => i.Attribute == FetchAttribute.Flags))
        {
            // Another session may still have changed flags between that look and the rows: the answer pairs the rows'
            // flags with their MODSEQ, and the view takes them, announced here.
            var moved = rows.Where(r => !seenNow.Contains(r.Uid) && selected.SequenceOf(r.Uid) != 0 && r.Flags != selected.FlagsOf(r.Uid))
                .Select(r => new MessageEntry(r.Uid, r.Flags, r.Modseq)).ToList();
            if (moved.Count > 0)
            {
                selected.Apply(moved);
                selected.AnnounceNewKeywords(session);
            }
        }
        var modseqs = rows.ToDictionary(r => r.Uid, r => r.Modseq);
        // THREADID and PREVIEW come from the webmail's summaries, made now for bodies that have none yet; PREVIEW (LAZY)
        // alone takes only the summaries there are (RFC 8970 §3.2: NIL for the others, which the indexer is making).
        var lazyOnly = items.Any(i => i.Attribute == FetchAttribute.Preview) && items.All(i => i.Attribute is not (FetchAttribute.ThreadId or FetchAttribute.Preview) || i.Lazy);
        var summaries = !items.Any(i => i.Attribute is FetchAttribute.ThreadId or FetchAttribute.Preview) ? null
            : lazyOnly ? (await session.Services.Summaries.StoredAsync([.. rows.Select(r => r.BlobHash)], session.Cancellation).ConfigureAwait(false))
                .Join(rows, s => s.Key, r => r.BlobHash, (s, r) => (r.Uid, s.Value), StringComparer.Ordinal).ToDictionary(p => p.Uid, p => p.Value)
            : (await session.Services.Summaries.ByUidsAsync(selected.Id, [.. rows.Select(r => r.Uid)], session.Cancellation).ConfigureAwait(false)).ToDictionary(l => l.Uid, l => l.Summary);
        var needsBytes = items.Any(i => i.Attribute is FetchAttribute.Section or FetchAttribute.Binary or FetchAttribute.BinarySize);
        var needsStructure = items.Any(i => i.Attribute is FetchAttribute.Envelope or FetchAttribute.Body or FetchAttribute.BodyStructure);
        var needsParts = items.Any(i => i.Section is { Part.Count: > 0 } or { IsWhole: false });
        var binaries = items.Where(i => i.Attribute is FetchAttribute.Binary or FetchAttribute.BinarySize).ToList();
        foreach (var row in rows)
        {
            var sequence = selected.SequenceOf(row.Uid);
            if (sequence == 0)
            {
                continue;
            }
            MimeMessage? message = null;
            StructureCache.Structure? structure = null;
            if (needsStructure && session.Services.Structures.TryGet(row.BlobHash, out var cached))
            {
                structure = cached;
            }
            // Scoped (see MessageLoader): sections are copied into the output before it goes.
            using var loaded = needsBytes || (needsStructure && structure is null) ? await LoadAsync(session, row.BlobHash).ConfigureAwait(false) : null;
            var bytes = loaded?.Bytes ?? ReadOnlyMemory<byte>.Empty;
            if (loaded is not null)
            {
                if (needsParts || (needsStructure && structure is null))
                {
                    message = loaded.Message;
                }
                if (needsStructure && structure is null)
                {
                    structure = session.Services.Structures.Add(row.BlobHash, message!);
                }
            }
            // Decoded before the answer starts: an encoding that cannot be undone fails the command (RFC 3516 §4.2).
            Dictionary<FetchItem, ReadOnlyMemory<byte>>? decoded = null;
            foreach (var item in binaries)
            {
                var content = bytes;
                if (item.Section!.Part.Count > 0 && !ImapSection.TryGetBinary(message!, item.Section.Part, out content))
                {
                    throw new ImapNoException("UNKNOWN-CTE", $"BINARY[{item.Section.Spec}] has a content transfer encoding this server cannot decode");
                }
                (decoded ??= [])[item] = content;
            }
            session.Write(string.Create(CultureInfo.InvariantCulture, $"* {sequence} FETCH ("));
            var first = true;
            void Separator()
            {
                if (!first) session.Write(" ");
                first = false;
            }
            foreach (var item in items)
            {
                Separator();
                switch (item.Attribute)
                {
                    case FetchAttribute.Uid:
                        session.Write(string.Create(CultureInfo.InvariantCulture, $"UID {row.Uid}"));
                        break;
                    case FetchAttribute.Flags:
                        session.Write("FLAGS " + selected.FlagList(row.Uid));
                        break;
                    case FetchAttribute.Modseq:
                        session.Write(string.Create(CultureInfo.InvariantCulture, $"MODSEQ ({(seenNow.Contains(row.Uid) ? selected.HighestModseq : modseqs[row.Uid])})"));
                        break;
                    case FetchAttribute.EmailId:
                        session.Write($"EMAILID ({ObjectIds.Email(row.BlobHash)})");
                        break;
                    case FetchAttribute.ThreadId:
                        // RFC 8474 §5.2: NIL for a message in no thread; here only one gone between the two reads.
                        session.Write(summaries!.TryGetValue(row.Uid, out var summary) ? $"THREADID ({ObjectIds.Thread(summary.ThreadKey)})" : "THREADID NIL");
                        break;
                    case FetchAttribute.InternalDate:
                        session.Write("INTERNALDATE " + DateTime(row.InternalDate));
                        break;
                    case FetchAttribute.Preview:
                        // RFC 8970 §3.1: at most 256 characters, no line breaks (the summary collapsed them); "" for a message
                        // without text, NIL only for LAZY when there is no summary yet.
                        session.Write("PREVIEW " + (summaries!.TryGetValue(row.Uid, out var previewed) ? ImapString.Quote(Truncate(previewed.Preview)) : "NIL"));
                        break;
                    case FetchAttribute.SaveDate:
                        // RFC 8514 §3: NIL where a mailbox keeps no save dates; every folder here does.
                        session.Write("SAVEDATE " + (row.SavedAt is { } saved ? DateTime(saved) : "NIL"));
                        break;
                    case FetchAttribute.Rfc822Size:
                        session.Write(string.Create(CultureInfo.InvariantCulture, $"RFC822.SIZE {row.Size}"));
                        break;
                    case FetchAttribute.Envelope:
                        session.Write("ENVELOPE "u8);
                        session.Write(structure!.Envelope);
                        break;
                    case FetchAttribute.Body:
                        session.Write("BODY "u8);
                        session.Write(structure!.Body);
                        break;
                    case FetchAttribute.BodyStructure:
                        session.Write("BODYSTRUCTURE "u8);
                        session.Write(structure!.BodyStructure);
                        break;
                    case FetchAttribute.Section:
                        await WriteSectionAsync(session, item, bytes, message).ConfigureAwait(false);
                        break;
                    case FetchAttribute.Binary:
                        await WriteContentAsync(session, item, decoded![item], binary: true).ConfigureAwait(false);
                        break;
                    case FetchAttribute.BinarySize:
                        session.Write(string.Create(CultureInfo.InvariantCulture, $"{item.Label} {decoded![item].Length}"));
                        break;
                }
            }
            // Flags that changed because of this FETCH are sent even when not asked for.
            if (seenNow.Contains(row.Uid) && !items.Any(i => i.Attribute == FetchAttribute.Flags))
            {
                Separator();
                // RFC 7162 §3.1.4: with CONDSTORE on, a FETCH that sets \Seen says UID and MODSEQ with the flags.
                if (Condstore.IsEnabled(session) && !items.Any(i => i.Attribute == FetchAttribute.Uid))
                {
                    session.Write(string.Create(CultureInfo.InvariantCulture, $"UID {row.Uid} "));
                }
                session.Write("FLAGS " + selected.FlagList(row.Uid));
                if (Condstore.IsEnabled(session) && !items.Any(i => i.Attribute == FetchAttribute.Modseq))
                {
                    session.Write(string.Create(CultureInfo.InvariantCulture, $" MODSEQ ({selected.HighestModseq})"));
                }
            }
            session.Write(")\r\n");
            await session.FlushIfLargeAsync().ConfigureAwait(false);
        }
        return expungedMeanwhile;
    }

    private static string Truncate(string preview) =>
        preview.Length <= 256 ? preview : preview[..(char.IsHighSurrogate(preview[255]) ? 255 : 256)];

    /// <summary><c>date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE</c>.</summary>
    internal static string DateTime(DateTimeOffset value) =>
        "\"" + value.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + value.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal) + "\"";

    private const int SectionSlice = 256 * 1024;

    private static async Task<LoadedMessage> LoadAsync(ImapSession session, string hash) =>
        await session.Services.Messages.LoadAsync(hash, MessageLifetime.Scoped, session.Cancellation).ConfigureAwait(false)
        ?? throw new ImapNoException("SERVERBUG", "A message body is missing from the store");

    private static async Task WriteSectionAsync(ImapSession session, FetchItem item, ReadOnlyMemory<byte> bytes, MimeMessage? message)
    {
        ReadOnlyMemory<byte> content;
        var section = item.Section!;
        if (section.IsWhole && section.Part.Count == 0)
        {
            content = bytes;
        }
        else if (!ImapSection.TryGetSection(message!, section.Spec, out content))
        {
            content = ReadOnlyMemory<byte>.Empty;
        }
        await WriteContentAsync(session, item, content, binary: false).ConfigureAwait(false);
    }

    /// <summary>
    /// A section's bytes as a literal, cut to the item's partial range. BINARY's decoded bytes go as RFC 3516's
    /// <c>literal8</c> (<c>~{n}</c>) only when they hold a NUL; otherwise a plain literal does (RFC 3516 §4.2).
    /// </summary>
    private static async Task WriteContentAsync(ImapSession session, FetchItem item, ReadOnlyMemory<byte> content, bool binary)
    {
        var label = item.Label;
        if (item.Partial is { } partial)
        {
            label += string.Create(CultureInfo.InvariantCulture, $"<{partial.Start}>");
            var from = (int)Math.Min(partial.Start, content.Length);
            var length = (int)Math.Min(partial.Length, content.Length - from);
            content = content.Slice(from, length);
        }
        var tilde = binary && content.Span.Contains((byte)0) ? "~" : "";
        session.Write(string.Create(CultureInfo.InvariantCulture, $"{label} {tilde}{{{content.Length}}}\r\n"));
        // In slices, each sent once the buffer is large: a 50 MB body never sits whole in the output pipe.
        for (var offset = 0; offset < content.Length; offset += SectionSlice)
        {
            session.Write(content.Span.Slice(offset, Math.Min(SectionSlice, content.Length - offset)));
            await session.FlushIfLargeAsync().ConfigureAwait(false);
        }
    }
}
