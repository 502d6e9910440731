using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Storage;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.4.5 FETCH and UID FETCH: UID, FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY,
/// BODYSTRUCTURE, BODY[section]&lt;partial&gt;, BODY.PEEK, RFC822, RFC822.HEADER, RFC822.TEXT, the macros
/// ALL, FAST and FULL, and CONDSTORE's MODSEQ item and CHANGEDSINCE modifier (RFC 7162).
/// Reading a body without PEEK sets \Seen in a read-write mailbox, and the new flags are sent along.
/// </summary>
public sealed class FetchCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["FETCH"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    internal enum Kind { Uid, Flags, InternalDate, Size, Envelope, Body, BodyStructure, Section, Modseq }

    /// <summary>One requested item; for sections, the label to answer with and whether it marks \Seen.</summary>
    internal sealed record Item(Kind Kind, string Label = "", string Section = "", bool Seen = false, long? Start = null, long? Length = null);

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var args = request.Args;
        var selected = session.Selected!;
        args.ReadSpace();
        var set = args.ReadSequenceSet();
        args.ReadSpace();
        var items = ReadItems(args);
        long? changedSince = null;
        if (args.TrySpace())
        {
            args.Expect('(');
            if (args.ReadAtom() != "CHANGEDSINCE")
            {
                throw new ImapSyntaxException("Unknown FETCH modifier");
            }
            args.ReadSpace();
            changedSince = args.ReadNumber(long.MaxValue);
            args.Expect(')');
            session.Enabled.Add("CONDSTORE");
            items.Add(new Item(Kind.Modseq));
        }
        args.ExpectEnd();
        if (request.Uid && !items.Any(i => i.Kind == Kind.Uid))
        {
            items.Insert(0, new Item(Kind.Uid));
        }
        if (session.Enabled.Contains("CONDSTORE") && !items.Any(i => i.Kind == Kind.Modseq) && items.Any(i => i.Kind == Kind.Flags))
        {
            items.Add(new Item(Kind.Modseq));
        }

        var uids = selected.Resolve(set, request.Uid, session.SavedSearch);
        var store = session.Services.Store;
        var rows = await store.MessagesByUidAsync(selected.Id, uids, session.Cancellation).ConfigureAwait(false);
        var expungedMeanwhile = rows.Count < uids.Count;
        if (changedSince is { } since)
        {
            rows = [.. rows.Where(r => r.Modseq > since)];
        }

        // Reading without PEEK marks the messages \Seen (RFC 3501 §6.4.5), before the answer that shows it.
        var marksSeen = items.Any(i => i.Seen) && !selected.ReadOnly && selected.Has('s');
        var seenNow = new HashSet<long>();
        if (marksSeen)
        {
            var unseen = rows.Where(r => !MessageFlags.Has(selected.FlagsOf(r.Uid), MessageFlags.Seen)).Select(r => r.Uid).ToList();
            if (unseen.Count > 0)
            {
                var changed = await store.StoreFlagsAsync(selected.Id, unseen, '+', [MessageFlags.Seen], session.Cancellation).ConfigureAwait(false);
                selected.Apply(changed);
                seenNow.UnionWith(changed.Select(c => c.Uid));
                session.Services.Events.Changed(selected.Id);
            }
        }

        var modseqs = rows.ToDictionary(r => r.Uid, r => r.Modseq);
        foreach (var row in rows)
        {
            var sequence = selected.SequenceOf(row.Uid);
            if (sequence == 0)
            {
                continue;
            }
            var needsBytes = items.Any(i => i.Kind == Kind.Section);
            var needsStructure = items.Any(i => i.Kind is Kind.Envelope or Kind.Body or Kind.BodyStructure);
            MimeMessage? message = null;
            StructureCache.Structure? structure = null;
            if (needsStructure && session.Services.Structures.TryGet(row.BlobHash, out var cached))
            {
                structure = cached;
            }
            // Mapped, not read (see MappedBlob): sections are copied into the output before it goes.
            using var blob = needsBytes || (needsStructure && structure is null) ? Map(session, row.BlobHash) : null;
            var bytes = blob?.Memory ?? ReadOnlyMemory<byte>.Empty;
            if (blob is not null)
            {
                if (items.Any(i => i.Kind == Kind.Section && i.Section.Length > 0) || (needsStructure && structure is null))
                {
                    message = MimeMessage.Parse(bytes, session.Services.Structures.ParserOptions);
                }
                if (needsStructure && structure is null)
                {
                    structure = session.Services.Structures.Add(row.BlobHash, message!);
                }
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
                switch (item.Kind)
                {
                    case Kind.Uid:
                        session.Write(string.Create(CultureInfo.InvariantCulture, $"UID {row.Uid}"));
                        break;
                    case Kind.Flags:
                        session.Write("FLAGS " + selected.FlagList(row.Uid));
                        break;
                    case Kind.Modseq:
                        session.Write(string.Create(CultureInfo.InvariantCulture, $"MODSEQ ({(seenNow.Contains(row.Uid) ? selected.HighestModseq : modseqs[row.Uid])})"));
                        break;
                    case Kind.InternalDate:
                        session.Write("INTERNALDATE \"" + row.InternalDate.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + row.InternalDate.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal) + "\"");
                        break;
                    case Kind.Size:
                        session.Write(string.Create(CultureInfo.InvariantCulture, $"RFC822.SIZE {row.Size}"));
                        break;
                    case Kind.Envelope:
                        session.Write("ENVELOPE " + structure!.Envelope);
                        break;
                    case Kind.Body:
                        session.Write("BODY " + structure!.Body);
                        break;
                    case Kind.BodyStructure:
                        session.Write("BODYSTRUCTURE " + structure!.BodyStructure);
                        break;
                    case Kind.Section:
                        await WriteSectionAsync(session, item, bytes, message).ConfigureAwait(false);
                        break;
                }
            }
            // Flags that changed because of this FETCH are sent even when not asked for.
            if (seenNow.Contains(row.Uid) && !items.Any(i => i.Kind == Kind.Flags))
            {
                Separator();
                session.Write("FLAGS " + selected.FlagList(row.Uid));
            }
            session.Write(")\r\n");
            await session.FlushIfLargeAsync().ConfigureAwait(false);
        }
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

    private const int SectionSlice = 256 * 1024;

    private static MappedBlob Map(ImapSession session, string hash) =>
        session.Services.Blobs.Map(hash) ?? throw new ImapNoException("SERVERBUG", "A message body is missing from the store");

    private static async Task WriteSectionAsync(ImapSession session, Item item, ReadOnlyMemory<byte> bytes, MimeMessage? message)
    {
        ReadOnlyMemory<byte> content;
        if (item.Section.Length == 0)
        {
            content = bytes;
        }
        else if (!ImapSection.TryGetSection(message!, item.Section, out content))
        {
            content = ReadOnlyMemory<byte>.Empty;
        }
        var label = item.Label;
        if (item.Start is { } start)
        {
            label += string.Create(CultureInfo.InvariantCulture, $"<{start}>");
            var from = (int)Math.Min(start, content.Length);
            var length = (int)Math.Min(item.Length ?? long.MaxValue, content.Length - from);
            content = content.Slice(from, length);
        }
        session.Write(string.Create(CultureInfo.InvariantCulture, $"{label} {{{content.Length}}}\r\n"));
        // In slices, each sent once the buffer is large: a 50 MB body never sits whole in the output pipe.
        for (var offset = 0; offset < content.Length; offset += SectionSlice)
        {
            session.Write(content.Span.Slice(offset, Math.Min(SectionSlice, content.Length - offset)));
            await session.FlushIfLargeAsync().ConfigureAwait(false);
        }
    }

    internal static List<Item> ReadItems(ImapParser args)
    {
        var items = new List<Item>();
        if (args.TryRead('('))
        {
            do
            {
                items.AddRange(ReadItem(args));
            }
            while (args.TrySpace());
            args.Expect(')');
        }
        else
        {
            items.AddRange(ReadItem(args));
        }
        return items;
    }

    private static IEnumerable<Item> ReadItem(ImapParser args)
    {
        var name = args.ReadItemName();
        switch (name)
        {
            case "ALL": return [new(Kind.Flags), new(Kind.InternalDate), new(Kind.Size), new(Kind.Envelope)];
            case "FAST": return [new(Kind.Flags), new(Kind.InternalDate), new(Kind.Size)];
            case "FULL": return [new(Kind.Flags), new(Kind.InternalDate), new(Kind.Size), new(Kind.Envelope), new(Kind.Body)];
            case "UID": return [new(Kind.Uid)];
            case "FLAGS": return [new(Kind.Flags)];
            case "INTERNALDATE": return [new(Kind.InternalDate)];
            case "RFC822.SIZE": return [new(Kind.Size)];
            case "ENVELOPE": return [new(Kind.Envelope)];
            case "BODYSTRUCTURE": return [new(Kind.BodyStructure)];
            case "MODSEQ": return [new(Kind.Modseq)];
            case "RFC822": return [new(Kind.Section, "RFC822", "", Seen: true)];
            case "RFC822.HEADER": return [new(Kind.Section, "RFC822.HEADER", "HEADER")];
            case "RFC822.TEXT": return [new(Kind.Section, "RFC822.TEXT", "TEXT", Seen: true)];
            case "BODY" when !args.NextIs('['): return [new(Kind.Body)];
            case "BODY" or "BODY.PEEK":
                args.Expect('[');
                var section = args.ReadSectionSpec().ToUpperInvariant();
                long? start = null, length = null;
                if (args.TryRead('<'))
                {
                    start = args.ReadNumber();
                    args.Expect('.');
                    length = args.ReadNzNumber();
                    args.Expect('>');
                }
                return [new(Kind.Section, $"BODY[{section}]", section, Seen: name == "BODY", start, length)];
            default:
                throw new ImapSyntaxException($"Unknown FETCH item {name}");
        }
    }
}
