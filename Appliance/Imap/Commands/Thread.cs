using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Mime;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 5256 THREAD and UID THREAD with ORDEREDSUBJECT and REFERENCES, threaded by <see cref="Threading"/>. The search
/// is SEARCH's (none for ALL); subjects, dates and the References msg-ids come from the summaries
/// (<see cref="MessageSummaries.ThreadSourcesAsync"/>), so threading a large mailbox reads rows, not messages. THREAD
/// ... ALL is the folder's <see cref="ThreadForest"/>, the one the webmail's conversations are made of.
/// </summary>
public sealed class ThreadCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["THREAD"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = ThreadArguments.Parse(request.Args, request.Uid);
        SearchCommand.CheckCharset(arguments.Charset);
        var selected = session.Selected!;
        HashSet<long>? matching = null;
        // THREAD ... ALL needs no search: the session's view decides which messages it threads.
        if (arguments.Key is not SearchStateKey { State: SearchState.All })
        {
            var (found, _) = await SearchCommand.MatchAsync(session, selected, arguments.Key).ConfigureAwait(false);
            matching = [.. found.Select(f => f.Uid)];
        }
        var summaries = session.Services.Summaries;
        var algorithm = arguments.Algorithm == ThreadAlgorithm.References ? FolderThreading.References : FolderThreading.OrderedSubject;
        if (matching is null)
        {
            // THREAD ... ALL threads the whole view: the folder's forest, kept for the next client that asks (Roundcube
            // threads again for every page), answers it when it holds exactly the view's messages.
            var view = (Count: selected.Count, MaxUid: selected.Count == 0 ? 0 : selected.Uids[selected.Count - 1]);
            var forest = await summaries.ForestAsync(selected.Id, algorithm, view, session.Cancellation).ConfigureAwait(false);
            if (forest.Covers(view.Count, view.MaxUid))
            {
                // The same messages in the same order: a message's index among the forest's UIDs is its sequence number less one.
                var uids = selected.Uids;
                await AnswerAsync(session, request, forest, request.Uid ? i => uids[i] : i => i + 1L).ConfigureAwait(false);
                return;
            }
        }
        // A search, or a view another session has changed the folder under: these messages threaded now, not kept.
        var sources = await summaries.ThreadSourcesAsync(selected.Id, session.Cancellation).ConfigureAwait(false);
        var messages = new List<ThreadMessage>(sources.Count);
        var threaded = new List<long>(sources.Count);
        var arrivals = new List<long>(sources.Count);
        var numbers = new List<long>(sources.Count);
        foreach (var source in sources)
        {
            var sequence = selected.SequenceOf(source.Uid);
            if (sequence == 0 || (matching is not null && !matching.Contains(source.Uid)))
            {
                continue;
            }
            IReadOnlyList<string> references = algorithm == FolderThreading.References
                ? await summaries.ReferencesOfAsync(source, session.Cancellation).ConfigureAwait(false)
                : [];
            messages.Add(new ThreadMessage(messages.Count, sequence, source.MessageId, references, source.Subject,
                DateTimeOffset.FromUnixTimeMilliseconds(source.DateMs)));
            threaded.Add(source.Uid);
            arrivals.Add(source.ArrivalMs);
            numbers.Add(request.Uid ? source.Uid : sequence);
        }
        var threads = algorithm == FolderThreading.References ? Threading.References(messages) : Threading.OrderedSubject(messages);
        await AnswerAsync(session, request, ThreadForest.Build(threaded, arrivals, threads), i => numbers[i]).ConfigureAwait(false);
    }

    private static async Task AnswerAsync(ImapSession session, ImapRequest request, ThreadForest forest, Func<int, long> number)
    {
        var line = new StringBuilder("* THREAD");
        if (forest.Count > 0)
        {
            line.Append(' ');
            forest.Write(line, number);
        }
        session.WriteLine(line.ToString());
        await session.OkAsync(request, request.Uid ? "UID THREAD completed" : "THREAD completed").ConfigureAwait(false);
    }
}
