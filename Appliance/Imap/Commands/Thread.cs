using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Mime;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 5256 THREAD and UID THREAD with ORDEREDSUBJECT and REFERENCES, threaded by <see cref="Threading"/>. The search
/// is SEARCH's (none for ALL); subjects, dates and the References msg-ids come from the summaries
/// (<see cref="MessageSummaries.ThreadSourcesAsync"/>), so threading a large mailbox reads rows, not messages.
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
        var sources = await session.Services.Summaries.ThreadSourcesAsync(selected.Id, session.Cancellation).ConfigureAwait(false);
        var messages = new List<ThreadMessage>(sources.Count);
        foreach (var source in sources)
        {
            var sequence = selected.SequenceOf(source.Uid);
            if (sequence == 0 || (matching is not null && !matching.Contains(source.Uid)))
            {
                continue;
            }
            IReadOnlyList<string> references = [];
            if (arguments.Algorithm == ThreadAlgorithm.References)
            {
                // A summary made before the summaries kept References (migration 13) and not yet redone: a message
                // that names a parent (a thread key other than its own) is read.
                references = source.References
                    ?? (source.NamesParent && source.BlobHash is { } blobHash ? await ReferencesAsync(session, blobHash).ConfigureAwait(false) : []);
            }
            messages.Add(new ThreadMessage(request.Uid ? source.Uid : sequence, sequence, source.MessageId, references, source.Subject,
                DateTimeOffset.FromUnixTimeMilliseconds(source.DateMs)));
        }
        var threads = arguments.Algorithm == ThreadAlgorithm.References ? Threading.References(messages) : Threading.OrderedSubject(messages);
        var line = new StringBuilder("* THREAD");
        if (threads.Count > 0)
        {
            line.Append(' ');
            foreach (var thread in threads)
            {
                Write(line, thread);
            }
        }
        session.WriteLine(line.ToString());
        await session.OkAsync(request, request.Uid ? "UID THREAD completed" : "THREAD completed").ConfigureAwait(false);
    }

    /// <summary>The msg-ids of References, or the first of In-Reply-To when there are none (RFC 5256 §3, REFERENCES step 1A).</summary>
    private static async Task<IReadOnlyList<string>> ReferencesAsync(ImapSession session, string blobHash)
    {
        using var loaded = await session.Services.Messages.LoadAsync(blobHash, MessageLifetime.Scoped, session.Cancellation).ConfigureAwait(false);
        if (loaded is null)
        {
            return [];
        }
        var references = MessageIds.Parse(loaded.Message.Headers.GetValue("References"));
        if (references.Count > 0)
        {
            return references;
        }
        return MessageIds.First(loaded.Message.Headers.GetValue("In-Reply-To")) is { } parent ? [parent] : [];
    }

    /// <summary>
    /// <c>thread-list = "(" (thread-members / thread-nested) ")"</c>, <c>thread-members = nz-number *(SP nz-number) [SP thread-nested]</c>,
    /// <c>thread-nested = 2*thread-list</c> (RFC 5256 §4): a chain of only children is one list; a node with several
    /// children ends its list with one list per child. A dummy shows no number.
    /// </summary>
    private static void Write(StringBuilder line, ThreadNode node)
    {
        line.Append('(');
        var current = node;
        var first = true;
        while (true)
        {
            if (current.Message is { } message)
            {
                if (!first)
                {
                    line.Append(' ');
                }
                line.Append(CultureInfo.InvariantCulture, $"{message.Number}");
                first = false;
            }
            if (current.Children.Count == 1)
            {
                current = current.Children[0];
                continue;
            }
            if (current.Children.Count > 1)
            {
                if (!first)
                {
                    line.Append(' ');
                }
                foreach (var child in current.Children)
                {
                    Write(line, child);
                }
            }
            break;
        }
        line.Append(')');
    }
}
