using System.Globalization;
using Appliance.Mime;
using Dapper;

namespace Appliance.Mailstore;

/// <summary>Which RFC 5256 algorithm threads a folder.</summary>
public enum FolderThreading { References, OrderedSubject }

/// <summary>
/// Whole folders sorted and threaded, kept for the folder's state (<see cref="FolderResultCache"/>). Threads are one
/// routine for IMAP THREAD and the webmail's conversations: <see cref="Threading"/> over the summaries' rows
/// (<see cref="ThreadSourcesAsync"/>), kept as a <see cref="ThreadForest"/>. A conversation of the webmail is a thread
/// of REFERENCES, so the two never disagree on what belongs together.
/// </summary>
public sealed partial class MessageSummaries
{
    private readonly FolderResultCache _results = new(options.Value.FolderResultCacheBytes);

    /// <summary>Results kept (for tests).</summary>
    internal int KeptResults => _results.Count;

    /// <summary>
    /// The folder threaded by <paramref name="algorithm"/>: the forest kept for the messages of <paramref name="view"/>
    /// (its count and highest UID) when there is one, else the folder as it is now, threaded and kept. The caller
    /// checks <see cref="ThreadForest.Covers"/> against its view: another session may have changed the folder since.
    /// </summary>
    public async Task<ThreadForest> ForestAsync(long mailboxId, FolderThreading algorithm, (int Count, long MaxUid)? view, CancellationToken cancellationToken)
    {
        var kind = "thread:" + algorithm;
        if (view is { } state && _results.Get<ThreadForest>(mailboxId, kind, state.Count, state.MaxUid) is { } kept)
        {
            return kept;
        }
        var sources = await ThreadSourcesAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var uids = new long[sources.Count];
        var arrivals = new long[sources.Count];
        var messages = new List<ThreadMessage>(sources.Count);
        for (var i = 0; i < sources.Count; i++)
        {
            var source = sources[i];
            uids[i] = source.Uid;
            arrivals[i] = source.ArrivalMs;
            var references = algorithm == FolderThreading.References ? await ReferencesOfAsync(source, cancellationToken).ConfigureAwait(false) : [];
            messages.Add(new ThreadMessage(i, i, source.MessageId, references, source.Subject, DateTimeOffset.FromUnixTimeMilliseconds(source.DateMs)));
        }
        var threads = algorithm == FolderThreading.References ? Threading.References(messages) : Threading.OrderedSubject(messages);
        var forest = ThreadForest.Build(uids, arrivals, threads);
        _results.Put(mailboxId, kind, forest.MessageCount, forest.MaxUid, forest, forest.Bytes);
        return forest;
    }

    /// <summary>
    /// A message's References msg-ids for threading: the stored ones, or for a summary made before the summaries kept
    /// them (migration 13) and not yet redone, read from the message when its thread key names a parent.
    /// </summary>
    public async ValueTask<IReadOnlyList<string>> ReferencesOfAsync(ThreadSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.References is { } stored)
        {
            return stored;
        }
        if (!source.NamesParent || source.BlobHash is not { } hash)
        {
            return [];
        }
        using var loaded = await messages.LoadAsync(hash, MessageLifetime.Scoped, cancellationToken).ConfigureAwait(false);
        if (loaded is null)
        {
            return [];
        }
        // The msg-ids of References, or the first of In-Reply-To when there are none (RFC 5256 §3, REFERENCES step 1A).
        var references = MessageIds.Parse(loaded.Message.Headers.GetValue("References"));
        if (references.Count > 0)
        {
            return references;
        }
        return MessageIds.First(loaded.Message.Headers.GetValue("In-Reply-To")) is { } parent ? [parent] : [];
    }

    /// <summary>One page of the folder's conversations, the one with the newest message (by arrival) first.</summary>
    public async Task<IReadOnlyList<ListedThread>> ThreadsAsync(long mailboxId, int offset, int count, SeenView? seen, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return [];
        }
        var forest = await FolderForestAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var page = forest.NewestFirst(offset, count).ToList();
        if (page.Count == 0)
        {
            return [];
        }
        var newest = (await ByUidsAsync(mailboxId, [.. page.Select(p => p.Newest)], seen, cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Uid);
        var unread = await UnreadAsync(mailboxId, [.. page.SelectMany(p => p.Uids)], seen, cancellationToken).ConfigureAwait(false);
        var threads = new List<ListedThread>(page.Count);
        foreach (var (latest, uids) in page)
        {
            // A message expunged since the forest was made: its conversation is gone with it, or shown with the rest.
            if (newest.TryGetValue(latest, out var message))
            {
                threads.Add(new ListedThread(Key(uids[0]), message, uids.Count, uids.Count(unread.Contains)));
            }
        }
        return threads;
    }

    /// <summary>The folder's messages of one conversation (a key of <see cref="ThreadsAsync"/>), oldest first; none for an unknown key.</summary>
    public async Task<IReadOnlyList<ListedMessage>> ThreadAsync(long mailboxId, string threadKey, SeenView? seen, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(threadKey);
        if (!long.TryParse(threadKey, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            return [];
        }
        var forest = await FolderForestAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var uids = forest.ThreadOf(uid);
        if (uids.Count == 0)
        {
            return [];
        }
        var messages = await ByUidsAsync(mailboxId, uids, seen, cancellationToken).ConfigureAwait(false);
        return [.. messages.OrderBy(m => m.InternalDate).ThenBy(m => m.Uid)];
    }

    /// <summary>How many conversations the folder has.</summary>
    public async Task<int> ThreadCountAsync(long mailboxId, CancellationToken cancellationToken) =>
        (await FolderForestAsync(mailboxId, cancellationToken).ConfigureAwait(false)).Count;

    // A conversation is named by its lowest UID: unlike a Message-ID, unique in the folder, and it stays while that message does.
    private static string Key(long uid) => uid.ToString(CultureInfo.InvariantCulture);

    /// <summary>The folder's REFERENCES threads as the folder is now.</summary>
    private async Task<ThreadForest> FolderForestAsync(long mailboxId, CancellationToken cancellationToken) =>
        await ForestAsync(mailboxId, FolderThreading.References, await StateAsync(mailboxId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>The folder's count of messages and highest UID now: which messages it holds (<see cref="ThreadForest.Covers"/>).</summary>
    private async Task<(int Count, long MaxUid)> StateAsync(long mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleAsync<(int, long)>(
            "SELECT COUNT(*), COALESCE(MAX(uid), 0) FROM messages WHERE mailbox_id = @mailboxId", new { mailboxId }).ConfigureAwait(false);
    }

    /// <summary>
    /// Every UID of the folder as it is now, ordered by <paramref name="orderBy"/> (SQL over <c>messages m</c>, and
    /// <c>message_summaries s</c> when <paramref name="joinSummaries"/>): the order kept as <paramref name="kind"/> for
    /// the folder's state, or made after summarizing whatever the folder still lacks, and kept.
    /// </summary>
    private async Task<long[]> FolderOrderAsync(long mailboxId, string kind, string orderBy, bool joinSummaries, CancellationToken cancellationToken)
    {
        var state = await StateAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        if (_results.Get<long[]>(mailboxId, kind, state.Count, state.MaxUid) is { } kept)
        {
            return kept;
        }
        await EnsureMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var uids = new List<long>(state.Count);
        long maxUid = 0;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        await using (var command = connection.CreateCommand())
        {
            var join = joinSummaries ? " LEFT JOIN message_summaries s ON s.hash = m.blob_hash" : "";
            command.CommandText = $"SELECT m.uid FROM messages m{join} WHERE m.mailbox_id = @mailboxId ORDER BY {orderBy}";
            command.Parameters.AddWithValue("@mailboxId", mailboxId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var uid = reader.GetInt64(0);
                uids.Add(uid);
                maxUid = Math.Max(maxUid, uid);
            }
        }
        // One statement reads one state of the folder: the order is kept for that state.
        long[] ordered = [.. uids];
        _results.Put(mailboxId, kind, ordered.Length, maxUid, ordered, 8L * ordered.Length);
        return ordered;
    }

    /// <summary>Which of these messages of the folder the reader has not read.</summary>
    private async Task<HashSet<long>> UnreadAsync(long mailboxId, IReadOnlyCollection<long> uids, SeenView? seen, CancellationToken cancellationToken)
    {
        var list = "[" + string.Join(',', uids.Select(u => u.ToString(CultureInfo.InvariantCulture))) + "]";
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<long>($"""
            SELECT m.uid FROM messages m{SeenJoin(seen)}
            WHERE m.mailbox_id = @mailboxId AND m.uid IN (SELECT value FROM json_each(@list)) AND {UnreadFor(seen)}
            """, Parameters(new { mailboxId, list }, seen)).ConfigureAwait(false)];
    }
}
