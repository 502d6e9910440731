namespace Appliance.Mime;

/// <summary>
/// A message to thread: <paramref name="Number"/> is what the caller names it by (an IMAP sequence number or UID),
/// <paramref name="Order"/> its place in the mailbox (ties of date go by it, RFC 5256 §3), <paramref name="Subject"/>
/// the decoded subject, <paramref name="Date"/> the sent date (the Date field, else the arrival date, as SORT DATE),
/// <paramref name="References"/> the msg-ids of References, or the first of In-Reply-To when it has none.
/// </summary>
public sealed record ThreadMessage(long Number, long Order, string? MessageId, IReadOnlyList<string> References, string? Subject, DateTimeOffset Date);

/// <summary>A node of a thread: a message, or a dummy (<see cref="Message"/> null) that holds siblings together.</summary>
public sealed class ThreadNode
{
    internal ThreadNode(ThreadMessage? message) => Message = message;

    public ThreadMessage? Message { get; internal set; }
    public List<ThreadNode> Children { get; } = [];
    internal ThreadNode? Parent { get; set; }

    /// <summary>A node's date: its message's, or a dummy's first child's (RFC 5256 §3, step 6).</summary>
    internal (DateTimeOffset Date, long Order) SortKey =>
        Message is { } m ? (m.Date, m.Order) : Children.Count > 0 ? Children[0].SortKey : (DateTimeOffset.MinValue, 0);

    /// <summary>
    /// Whether <paramref name="other"/> is this node or below it: a walk up from <paramref name="other"/>, as long as
    /// its depth, where walking down this node's subtree cost as much as the thread is big, for every reply linked
    /// under a popular root (quadratic in a long thread).
    /// </summary>
    internal bool Reaches(ThreadNode other)
    {
        for (var node = other; node is not null; node = node.Parent)
        {
            if (ReferenceEquals(node, this))
            {
                return true;
            }
        }
        return false;
    }

    internal void Adopt(ThreadNode child)
    {
        child.Parent?.Children.Remove(child);
        child.Parent = this;
        Children.Add(child);
    }
}

/// <summary>
/// The two threading algorithms of RFC 5256 §3, ORDEREDSUBJECT and REFERENCES, over messages already chosen (a
/// THREAD command's search): one routine for IMAP THREAD and anything else that threads. Pure.
/// </summary>
public static class Threading
{
    /// <summary>
    /// ORDEREDSUBJECT: messages sorted by base subject and then date; each run of one base subject is a thread whose
    /// first message is the parent of all the others, in date order; threads in the order of their first messages' dates.
    /// </summary>
    public static IReadOnlyList<ThreadNode> OrderedSubject(IEnumerable<ThreadMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var threads = new List<ThreadNode>();
        foreach (var group in messages
            .Select(m => (Message: m, Base: BaseSubject.Extract(m.Subject)))
            .GroupBy(m => m.Base.ToUpperInvariant(), StringComparer.Ordinal))
        {
            var ordered = group.Select(g => g.Message).OrderBy(m => m.Date).ThenBy(m => m.Order).ToList();
            var root = new ThreadNode(ordered[0]);
            foreach (var reply in ordered.Skip(1))
            {
                root.Adopt(new ThreadNode(reply));
            }
            threads.Add(root);
        }
        return [.. threads.OrderBy(t => t.SortKey.Date).ThenBy(t => t.SortKey.Order)];
    }

    /// <summary>REFERENCES (RFC 5256 §3): the six steps, with the id table, dummy pruning and grouping by base subject.</summary>
    public static IReadOnlyList<ThreadNode> References(IEnumerable<ThreadMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        // (1) The id table: a container per msg-id seen, a message in the one of its own Message-ID.
        var table = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        var unique = 0;
        foreach (var message in InOrder(messages))
        {
            // (1B) A message without a Message-ID, or with one an earlier message took, gets an id of its own.
            ThreadNode container;
            if (message.MessageId is { Length: > 0 } id && table.TryGetValue(id, out var known) && known.Message is null)
            {
                container = known;
                container.Message = message;
            }
            else
            {
                container = new ThreadNode(message);
                var key = message.MessageId is { Length: > 0 } own && !table.ContainsKey(own) ? own : "\0" + unique++;
                table[key] = container;
            }
            // (1A) Consecutive references are parent and child, unless one has a parent already or it would loop.
            ThreadNode? previous = null;
            foreach (var reference in message.References)
            {
                if (!table.TryGetValue(reference, out var node))
                {
                    node = table[reference] = new ThreadNode(null);
                }
                if (previous is not null && node.Parent is null && !ReferenceEquals(previous, node) && !node.Reaches(previous))
                {
                    previous.Adopt(node);
                }
                previous = node;
            }
            // (1C) The last reference is the message's parent, replacing any parent it had, unless that would loop.
            if (previous is not null && !container.Reaches(previous))
            {
                previous.Adopt(container);
            }
            else if (previous is null && container.Parent is not null)
            {
                container.Parent.Children.Remove(container);
                container.Parent = null;
            }
        }
        // (2) The root set; (3) the table goes with this method.
        var roots = table.Values.Where(n => n.Parent is null).Distinct().ToList();
        // (4) Prune dummies.
        roots = Prune(roots, root: true);
        foreach (var node in roots)
        {
            node.Parent = null;
        }
        // (6, first) Siblings by date, so that a dummy's "first child" is its earliest.
        SortChildren(roots);
        // (5) Group the root set by base subject.
        roots = GroupBySubject(roots);
        // (6) Siblings and threads by date; dummies take their first child's.
        SortChildren(roots);
        return SortByDate(roots);
    }

    /// <summary>The messages by <see cref="ThreadMessage.Order"/>, sorted only when they are not already (a folder read in UID order is).</summary>
    private static IEnumerable<ThreadMessage> InOrder(IEnumerable<ThreadMessage> messages)
    {
        var list = messages as IReadOnlyList<ThreadMessage> ?? [.. messages];
        for (var i = 1; i < list.Count; i++)
        {
            if (list[i - 1].Order > list[i].Order)
            {
                return list.OrderBy(m => m.Order);
            }
        }
        return list;
    }

    private static List<ThreadNode> Prune(List<ThreadNode> nodes, bool root)
    {
        var kept = new List<ThreadNode>(nodes.Count);
        foreach (var node in nodes)
        {
            if (node.Children.Count == 0)
            {
                // A message without children stays as it is, and a dummy without children goes (4A): no lists to make.
                if (node.Message is not null)
                {
                    kept.Add(node);
                }
                continue;
            }
            var children = Prune([.. node.Children], root: false);
            node.Children.Clear();
            foreach (var child in children)
            {
                child.Parent = node;
                node.Children.Add(child);
            }
            if (node.Message is not null)
            {
                kept.Add(node);
            }
            else if (node.Children.Count == 0)
            {
                // (4A) A dummy without children goes.
            }
            else if (!root || node.Children.Count == 1)
            {
                // (4B) A dummy's children take its place, except that several do not become roots.
                kept.AddRange(node.Children);
            }
            else
            {
                kept.Add(node);
            }
        }
        return kept;
    }

    private static List<ThreadNode> GroupBySubject(List<ThreadNode> roots)
    {
        // Each root's base subject once: a root's subject never changes while merging (a dummy keeps its first child,
        // and a new dummy's first child is the entry it replaces).
        var known = new Dictionary<ThreadNode, (string Subject, bool Reply)>(roots.Count, ReferenceEqualityComparer.Instance);
        string SubjectOf(ThreadNode node, out bool reply)
        {
            if (!known.TryGetValue(node, out var entry))
            {
                entry.Subject = BaseSubject.Extract((node.Message ?? node.Children[0].Message)?.Subject, out entry.Reply).ToUpperInvariant();
                known[node] = entry;
            }
            reply = entry.Reply;
            return entry.Subject;
        }
        // A message's entry: its own subject's reply mark (IsReply).
        bool HeldIsReply(ThreadNode node) => node.Message is not null && (known.TryGetValue(node, out var entry) ? entry.Reply : IsReply(node));

        // (5A, 5B) The subject table: a dummy wins over a message, a message that is no reply over one that is.
        var subjects = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        foreach (var node in roots)
        {
            var subject = SubjectOf(node, out var reply);
            if (subject.Length == 0)
            {
                continue;
            }
            if (!subjects.TryGetValue(subject, out var held)
                || (node.Message is null && held.Message is not null)
                || (held.Message is not null && node.Message is not null && HeldIsReply(held) && !reply))
            {
                subjects[subject] = node;
            }
        }
        // (5C) Merge each root into its subject's entry.
        var result = new List<ThreadNode>();
        var removed = new HashSet<ThreadNode>();
        // By index: merging replaces entries of the list.
        for (var i = 0; i < roots.Count; i++)
        {
            var node = roots[i];
            var subject = SubjectOf(node, out var reply);
            if (subject.Length == 0 || !subjects.TryGetValue(subject, out var held) || ReferenceEquals(held, node))
            {
                continue;
            }
            removed.Add(node);
            if (held.Message is null && node.Message is null)
            {
                foreach (var child in node.Children.ToList())
                {
                    held.Adopt(child);
                }
            }
            else if (held.Message is null || node.Message is null)
            {
                var (dummy, message) = held.Message is null ? (held, node) : (node, held);
                dummy.Adopt(message);
                subjects[subject] = dummy;
                removed.Add(message);
                removed.Remove(dummy);
                Replace(roots, held, dummy);
            }
            else if (reply && !HeldIsReply(held))
            {
                held.Adopt(node);
            }
            else
            {
                var dummy = new ThreadNode(null);
                Replace(roots, held, dummy);
                dummy.Adopt(held);
                dummy.Adopt(node);
                subjects[subject] = dummy;
            }
        }
        // A set beside the list: List.Contains made this quadratic in the roots (100,000 messages, bench/imap.sh sort).
        var kept = new HashSet<ThreadNode>();
        foreach (var node in roots)
        {
            if (!removed.Contains(node) && kept.Add(node))
            {
                result.Add(node);
            }
        }
        return result;
    }

    private static bool IsReply(ThreadNode node)
    {
        BaseSubject.Extract(node.Message?.Subject, out var reply);
        return reply;
    }

    private static void Replace(List<ThreadNode> roots, ThreadNode old, ThreadNode replacement)
    {
        var at = roots.IndexOf(old);
        if (at >= 0)
        {
            roots[at] = replacement;
        }
    }

    private static void SortChildren(List<ThreadNode> nodes)
    {
        foreach (var node in nodes)
        {
            SortChildren(node.Children);
            SortInPlace(node.Children);
        }
    }

    private static List<ThreadNode> SortByDate(List<ThreadNode> nodes)
    {
        List<ThreadNode> sorted = [.. nodes];
        SortInPlace(sorted);
        return sorted;
    }

    /// <summary>
    /// By date, then mailbox order. Every key is distinct (a dummy takes its first child's, and no message is in two
    /// places), so the unstable sort gives LINQ's stable order; a leaf's empty list costs nothing (100,000 of them).
    /// </summary>
    private static void SortInPlace(List<ThreadNode> nodes)
    {
        if (nodes.Count < 2)
        {
            return;
        }
        var keys = new (DateTimeOffset Date, long Order)[nodes.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = nodes[i].SortKey;
        }
        var items = nodes.ToArray();
        Array.Sort(keys, items);
        nodes.Clear();
        nodes.AddRange(items);
    }
}
