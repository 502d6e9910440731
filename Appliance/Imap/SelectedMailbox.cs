using System.Globalization;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap;

/// <summary>
/// A session's view of its selected mailbox: the UIDs in message-sequence order and their flags as
/// last told to the client. Sequence numbers change only when this session announces an EXPUNGE, so
/// another session's changes are read from the database and announced here, never applied silently.
/// </summary>
public sealed class SelectedMailbox : IDisposable
{
    private readonly UidList _uids = new();
    // The flag set of the message at the same index as its UID in _uids, as an index into _flagSets: parallel lists
    // rather than a dictionary, four bytes a message for its UID and one for its flags while the view has at most 256
    // distinct flag sets (there were eight and eight), and one shared string per distinct flag set. With thousands of
    // idle sessions this view is the part of a session that grows with the mailbox.
    private readonly FlagIndexList _flags = new();
    // The distinct flag sets of this view ("" first), and where each is in it: also the flag sets already looked at for
    // new keywords, so that the look is one hash lookup per changed message.
    private readonly List<string> _flagSets = [""];
    private readonly Dictionary<string, int> _flagSetIndex = new(StringComparer.Ordinal);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_flagSets = new(StringComparer.Ordinal);

    private static string Shared(string flags)
    {
        if (flags.Length == 0) return "";
        if (s_flagSets.TryGetValue(flags, out var shared)) return shared;
        // Keywords make the set of combinations open-ended: keep the common ones only.
        return s_flagSets.Count < 10_000 ? s_flagSets.GetOrAdd(flags, flags) : flags;
    }
    private readonly HashSet<long> _recent = [];
    // Keywords in use in the mailbox, in the order first announced (RFC 3501 §7.2.6 FLAGS).
    private readonly List<string> _keywords = [];
    private bool _keywordsChanged;
    private readonly IDisposable _subscription;
    private volatile bool _dirty;
    private volatile TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SelectedMailbox(MailboxState state, bool readOnly, string rights, long? seenReader, MailboxEvents events)
    {
        Rights = rights;
        SeenReader = seenReader;
        Id = state.Id;
        Name = state.Name;
        ReadOnly = readOnly;
        Uidvalidity = state.Uidvalidity;
        _subscription = events.Subscribe(state.Id, OnChanged);
    }

    public long Id { get; }
    public string Name { get; }
    public bool ReadOnly { get; }

    /// <summary>The session's RFC 4314 rights on the mailbox (all of them on its own).</summary>
    public string Rights { get; }

    public bool Has(char right) => Rights.Contains(right, StringComparison.Ordinal);

    /// <summary>The user whose own \Seen this view shows (a shared or public folder with per-user \Seen), or null.</summary>
    public long? SeenReader { get; }
    public long Uidvalidity { get; }
    public int Count => _uids.Count;
    public IReadOnlyList<long> Uids => _uids;
    public long HighestModseq { get; private set; }

    /// <summary>Completes when another session or a delivery changes the mailbox (IDLE waits on it).</summary>
    public Task Changed => _changed.Task;

    private void OnChanged()
    {
        _dirty = true;
        _changed.TrySetResult();
    }

    /// <summary>Opens a mailbox: reads its messages and takes its \Recent ones if the session may (read-write), or only counts them (read-only).</summary>
    public static async Task<SelectedMailbox> OpenAsync(MailStore store, MailboxEvents events, MailboxState state, bool readOnly, string rights, long? seenReader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(state);
        var selected = new SelectedMailbox(state, readOnly, rights, seenReader, events);
        // RFC 3501 §6.3.2: EXAMINE may not take \Recent from the messages, but counts and shows the ones still recent.
        var firstRecent = readOnly ? state.RecentUid : await store.TakeRecentAsync(state.Id, cancellationToken).ConfigureAwait(false);
        foreach (var entry in await store.EntriesAsync(state.Id, seenReader, cancellationToken).ConfigureAwait(false))
        {
            selected._uids.Add(entry.Uid);
            selected._flags.Add(selected.Intern(entry.Flags));
            if (entry.Uid >= firstRecent)
            {
                selected._recent.Add(entry.Uid);
            }
        }
        selected._uids.TrimExcess();
        selected._flags.TrimExcess();
        selected._keywords.Sort(StringComparer.Ordinal);
        selected._keywordsChanged = false;
        selected.HighestModseq = state.Highestmodseq;
        return selected;
    }

    public int RecentCount => _recent.Count;

    /// <summary>
    /// Whether the client hears of \Recent: FETCH FLAGS with it and the RECENT response. RFC 9051 has neither, so a
    /// session that enabled IMAP4rev2 turns this off (Appendix E); SEARCH RECENT still works from the same view.
    /// </summary>
    public bool ShowsRecent { get; set; } = true;

    /// <summary>
    /// <c>* FLAGS</c>: the system flags and every keyword in use here, so that clients can offer them as tags
    /// (RFC 3501 §7.2.6). Keywords a client has not used yet can still be stored: PERMANENTFLAGS says \*.
    /// </summary>
    public string FlagsLine => "* FLAGS (" + string.Join(' ', MessageFlags.System.Concat(_keywords)) + ")";

    /// <summary>
    /// <c>PERMANENTFLAGS</c>: the flags this user may change, \Seen with 's', \Deleted with 't', the others, the keywords
    /// in use and \* (new keywords) with 'w' (RFC 4314 §4); nothing in a read-only mailbox.
    /// </summary>
    public string PermanentFlagsLine
    {
        get
        {
            if (ReadOnly)
            {
                return "* OK [PERMANENTFLAGS ()] Read-only mailbox";
            }
            var flags = new List<string>();
            if (Has('w')) flags.AddRange([MessageFlags.Answered, MessageFlags.Flagged]);
            if (Has('t')) flags.Add(MessageFlags.Deleted);
            if (Has('s')) flags.Add(MessageFlags.Seen);
            if (Has('w')) flags.AddRange([MessageFlags.Draft, .. _keywords, "\\*"]);
            return "* OK [PERMANENTFLAGS (" + string.Join(' ', flags) + ")] Flags permitted";
        }
    }

    /// <summary>The index of a flag set in <see cref="_flagSets"/>; a set not seen before is added and its new keywords noted.</summary>
    private int Intern(string flags)
    {
        if (flags.Length == 0)
        {
            return 0;
        }
        if (_flagSetIndex.TryGetValue(flags, out var index))
        {
            return index;
        }
        index = _flagSets.Count;
        _flagSets.Add(Shared(flags));
        _flagSetIndex.Add(_flagSets[index], index);
        NoteKeywords(flags);
        return index;
    }

    /// <summary>Adds the keywords of a flag set not seen before to those in use.</summary>
    private void NoteKeywords(string flags)
    {
        foreach (var flag in MessageFlags.Parse(flags))
        {
            if (!flag.StartsWith('\\') && !_keywords.Contains(flag, StringComparer.OrdinalIgnoreCase))
            {
                _keywords.Add(flag);
                _keywordsChanged = true;
            }
        }
    }

    /// <summary>
    /// When a keyword appeared since the last FLAGS (this session's STORE or APPEND, another session's change), says
    /// FLAGS again, and PERMANENTFLAGS in a read-write mailbox, before the FETCH that shows it (as Dovecot does).
    /// </summary>
    public void AnnounceNewKeywords(ImapSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!_keywordsChanged)
        {
            return;
        }
        _keywordsChanged = false;
        session.WriteLine(FlagsLine);
        if (!ReadOnly)
        {
            session.WriteLine(PermanentFlagsLine);
        }
    }

    public bool IsRecent(long uid) => _recent.Contains(uid);

    public string FlagsOf(long uid)
    {
        var index = _uids.BinarySearch(uid);
        return index >= 0 ? _flagSets[_flags[index]] : "";
    }

    /// <summary>The flag list as a client sees it, \Recent included unless <see cref="ShowsRecent"/> is off.</summary>
    public string FlagList(long uid)
    {
        var flags = MessageFlags.Parse(FlagsOf(uid)).ToList();
        if (ShowsRecent && _recent.Contains(uid))
        {
            flags.Add(MessageFlags.Recent);
        }
        return "(" + string.Join(' ', flags) + ")";
    }

    /// <summary>1-based sequence number of a UID, or 0 when it is not in the mailbox.</summary>
    public int SequenceOf(long uid)
    {
        var index = _uids.BinarySearch(uid);
        return index >= 0 ? index + 1 : 0;
    }

    /// <summary>The UIDs a set names, as sequence numbers or as UIDs, in ascending order; "$" is the saved search.</summary>
    public List<long> Resolve(SequenceSet set, bool byUid, IReadOnlyList<long> saved)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.IsSaved)
        {
            return [.. saved.Where(u => SequenceOf(u) > 0).Order()];
        }
        var result = new List<long>();
        if (_uids.Count == 0)
        {
            return result;
        }
        if (byUid)
        {
            var largest = _uids[^1];
            foreach (var uid in _uids)
            {
                if (set.Contains(uid, largest)) result.Add(uid);
            }
            return result;
        }
        foreach (var (first, last) in set.Ranges)
        {
            // A sequence number beyond the mailbox is an error (RFC 3501 §6.4.8 asks for BAD); "*" is the last.
            if ((first != SequenceSet.Star && first > _uids.Count) || (last != SequenceSet.Star && last > _uids.Count))
            {
                throw new ImapSyntaxException("Message sequence number out of range");
            }
        }
        for (var i = 1; i <= _uids.Count; i++)
        {
            if (set.Contains(i, _uids.Count)) result.Add(_uids[i - 1]);
        }
        return result;
    }

    /// <summary>This session changed flags itself: keep the view in step without announcing it again.</summary>
    public void Apply(IEnumerable<MessageEntry> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            var index = _uids.BinarySearch(change.Uid);
            if (index >= 0)
            {
                _flags[index] = Intern(change.Flags);
            }
            HighestModseq = Math.Max(HighestModseq, change.Modseq);
        }
    }

    /// <summary>
    /// Messages went (this session's expunge, or another's seen in a refresh): announce each and renumber (highest first
    /// keeps the others' numbers valid). With QRESYNC on, one <c>* VANISHED</c> names their UIDs instead (RFC 7162 §3.2.10).
    /// </summary>
    public void Expunged(ImapSession session, IReadOnlyCollection<long> uids)
    {
        ArgumentNullException.ThrowIfNull(session);
        var vanished = Qresync.IsEnabled(session);
        if (vanished)
        {
            var gone = _uids.Where(uids.Contains).Select(u => (u, u)).ToList();
            if (gone.Count > 0)
            {
                session.WriteLine(Qresync.VanishedLine(Qresync.Normalize(new SequenceSet(gone), 0), earlier: false));
            }
        }
        for (var i = _uids.Count - 1; i >= 0; i--)
        {
            if (uids.Contains(_uids[i]))
            {
                if (!vanished)
                {
                    session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* {i + 1} EXPUNGE"));
                }
                _flags.RemoveAt(i);
                _recent.Remove(_uids[i]);
                _uids.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// Reads the mailbox again when something changed and announces the difference: EXPUNGE for gone
    /// messages (only when <paramref name="allowExpunge"/>), EXISTS and RECENT for new ones, FETCH FLAGS
    /// for changed flags.
    /// </summary>
    /// <returns>The UIDs of the messages new to the session (NOTIFY's MessageNew fetches them).</returns>
    public async Task<IReadOnlyList<long>> RefreshAsync(ImapSession session, bool allowExpunge)
    {
        ArgumentNullException.ThrowIfNull(session);
        // A nudge may land while this runs: the new wake-up is in place before the flag is cleared, and
        // a completed wake-up always leads to a read, so IDLE neither misses a change nor spins.
        if (!_dirty && !_changed.Task.IsCompleted)
        {
            return [];
        }
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _dirty = false;
        var entries = await session.Services.Store.EntriesAsync(Id, SeenReader, session.Cancellation).ConfigureAwait(false);
        var now = entries.ToDictionary(e => e.Uid);
        var gone = _uids.Where(u => !now.ContainsKey(u)).ToList();
        if (gone.Count > 0)
        {
            if (allowExpunge)
            {
                Expunged(session, gone);
            }
            else
            {
                _dirty = true; // announce them at the next command that may
            }
        }
        var last = _uids.Count > 0 ? _uids[^1] : 0;
        var added = entries.Where(e => e.Uid > last).ToList();
        // Held back until a new keyword among them has been announced with FLAGS.
        var fetches = new List<string>();
        foreach (var entry in entries)
        {
            var index = entry.Uid <= last ? _uids.BinarySearch(entry.Uid) : -1;
            if (index >= 0 && _flagSets[_flags[index]] != entry.Flags)
            {
                _flags[index] = Intern(entry.Flags);
                fetches.Add(string.Create(CultureInfo.InvariantCulture, $"* {SequenceOf(entry.Uid)} FETCH (UID {entry.Uid} FLAGS {FlagList(entry.Uid)}{ModseqItem(session, entry.Modseq)})"));
            }
            HighestModseq = Math.Max(HighestModseq, entry.Modseq);
        }
        foreach (var entry in added)
        {
            Intern(entry.Flags);
        }
        AnnounceNewKeywords(session);
        if (gone.Count > 0 && !allowExpunge && fetches.Count > 0 && Qresync.IsEnabled(session)
            && await session.Services.Store.LowestExpungeModseqAsync(Id, gone, session.Cancellation).ConfigureAwait(false) is { } held)
        {
            // RFC 7162 §3.2: MODSEQs are about to be sent while VANISHED waits for a command that may carry it. A client that
            // kept the highest MODSEQ it saw and then lost the connection would resync past these expunges; this says the
            // mailbox is only known to it up to just before them.
            session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [HIGHESTMODSEQ {held - 1}] Expunges pending"));
        }
        foreach (var fetch in fetches)
        {
            session.WriteLine(fetch);
        }
        if (added.Count > 0)
        {
            var firstRecent = ReadOnly
                ? (await session.Services.Store.MailboxStateAsync(Id, session.Cancellation).ConfigureAwait(false))?.RecentUid ?? long.MaxValue
                : await session.Services.Store.TakeRecentAsync(Id, session.Cancellation).ConfigureAwait(false);
            foreach (var entry in added)
            {
                _uids.Add(entry.Uid);
                _flags.Add(Intern(entry.Flags));
                if (entry.Uid >= firstRecent)
                {
                    _recent.Add(entry.Uid);
                }
            }
            session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* {_uids.Count} EXISTS"));
            if (ShowsRecent)
            {
                session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* {_recent.Count} RECENT"));
            }
        }
        return [.. added.Select(e => e.Uid)];
    }

    private static string ModseqItem(ImapSession session, long modseq) =>
        Condstore.IsEnabled(session) ? string.Create(CultureInfo.InvariantCulture, $" MODSEQ ({modseq})") : "";

    /// <summary>Marks the view stale, so that the next refresh reads the mailbox (after this session's own APPEND or COPY into it).</summary>
    public void Touch() => _dirty = true;

    public void Dispose() => _subscription.Dispose();
}

/// <summary>
/// The UIDs of a view in ascending order, four bytes each: RFC 3501 §2.3.1.1 makes a UID a 32-bit number. A list given
/// a larger one (never from this server's store in practice) turns into eight bytes a UID rather than fail.
/// </summary>
internal sealed class UidList : IReadOnlyList<long>
{
    private List<uint>? _narrow = [];
    private List<long>? _wide;

    public int Count => _narrow?.Count ?? _wide!.Count;

    public long this[int index] => _narrow is { } narrow ? narrow[index] : _wide![index];

    public void Add(long uid)
    {
        if (_narrow is { } narrow)
        {
            if (uid is >= 0 and <= uint.MaxValue)
            {
                narrow.Add((uint)uid);
                return;
            }
            _wide = [.. narrow.Select(u => (long)u)];
            _narrow = null;
        }
        _wide!.Add(uid);
    }

    /// <summary>The index of <paramref name="uid"/>, or a negative number when it is not in the list.</summary>
    public int BinarySearch(long uid)
    {
        if (_narrow is { } narrow)
        {
            return uid is >= 0 and <= uint.MaxValue ? narrow.BinarySearch((uint)uid) : -1;
        }
        return _wide!.BinarySearch(uid);
    }

    public void RemoveAt(int index)
    {
        if (_narrow is { } narrow)
        {
            narrow.RemoveAt(index);
        }
        else
        {
            _wide!.RemoveAt(index);
        }
    }

    public void TrimExcess()
    {
        _narrow?.TrimExcess();
        _wide?.TrimExcess();
    }

    public IEnumerator<long> GetEnumerator()
    {
        if (_narrow is { } narrow)
        {
            foreach (var uid in narrow)
            {
                yield return uid;
            }
        }
        else
        {
            foreach (var uid in _wide!)
            {
                yield return uid;
            }
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Each message's index into its view's distinct flag sets: one byte each while every index is under 256 (a mailbox
/// has a handful of flag combinations unless keywords vary per message), four once one is not.
/// </summary>
internal sealed class FlagIndexList
{
    private List<byte>? _narrow = [];
    private List<int>? _wide;

    public int Count => _narrow?.Count ?? _wide!.Count;

    public int this[int index]
    {
        get => _narrow is { } narrow ? narrow[index] : _wide![index];
        set
        {
            if (_narrow is { } narrow && value is >= 0 and <= byte.MaxValue)
            {
                narrow[index] = (byte)value;
                return;
            }
            Widen()[index] = value;
        }
    }

    public void Add(int value)
    {
        if (_narrow is { } narrow && value is >= 0 and <= byte.MaxValue)
        {
            narrow.Add((byte)value);
            return;
        }
        Widen().Add(value);
    }

    private List<int> Widen()
    {
        if (_narrow is { } narrow)
        {
            _wide = [.. narrow.Select(b => (int)b)];
            _narrow = null;
        }
        return _wide!;
    }

    public void RemoveAt(int index)
    {
        if (_narrow is { } narrow)
        {
            narrow.RemoveAt(index);
        }
        else
        {
            _wide!.RemoveAt(index);
        }
    }

    public void TrimExcess()
    {
        _narrow?.TrimExcess();
        _wide?.TrimExcess();
    }
}
