using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Mime;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 5256 THREAD and UID THREAD with ORDEREDSUBJECT and REFERENCES, threaded by <see cref="Threading"/>. The search
/// is SEARCH's; subjects and dates come from the summaries (<see cref="MessageSummaries"/>). REFERENCES needs the
/// whole References field, which the summaries do not keep: it is read from the message, but only for messages whose
/// summary shows they name a parent (a thread key other than their own Message-ID).
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
        var (found, _) = await SearchCommand.MatchAsync(session, selected, arguments.Key).ConfigureAwait(false);
        var listed = await session.Services.Summaries.ByUidsAsync(selected.Id, [.. found.Select(f => f.Uid)], session.Cancellation).ConfigureAwait(false);
        var messages = new List<ThreadMessage>(listed.Count);
        foreach (var message in listed)
        {
            var summary = message.Summary;
            var sequence = selected.SequenceOf(message.Uid);
            IReadOnlyList<string> references = [];
            if (arguments.Algorithm == ThreadAlgorithm.References && summary.ThreadKey != (summary.MessageId ?? message.BlobHash))
            {
                references = await ReferencesAsync(session, message).ConfigureAwait(false);
            }
            messages.Add(new ThreadMessage(request.Uid ? message.Uid : sequence, sequence, summary.MessageId, references, summary.Subject, SortCommand.SentDate(message)));
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
    private static async Task<IReadOnlyList<string>> ReferencesAsync(ImapSession session, ListedMessage message)
    {
        using var loaded = await session.Services.Messages.LoadAsync(message.BlobHash, MessageLifetime.Scoped, session.Cancellation).ConfigureAwait(false);
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
                line.Append(message.Number.ToString(CultureInfo.InvariantCulture));
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
