using System.Globalization;
using System.Text;
using Appliance.Mime;

namespace Appliance.Mailstore;

/// <summary>
/// A whole folder threaded by <see cref="Threading"/> (RFC 5256), held compactly so that it can be kept: the folder's
/// UIDs ascending, and the threads as one pre-order walk of nodes, each a message (its index among the UIDs) or a
/// dummy, with its number of children. IMAP THREAD writes it; the webmail's conversations are its threads, newest
/// first. About 20 bytes a message, where the tree of <see cref="ThreadNode"/>s it comes from is some 300.
/// </summary>
public sealed class ThreadForest
{
    private readonly long[] _uids;
    private readonly int[] _nodes;        // pre-order: the message's index in _uids, or -1 for a dummy
    private readonly int[] _children;     // the node's number of children
    private readonly int[] _threadStart;  // where each thread begins in _nodes; one more entry, the end
    private readonly int[] _threadOf;     // the thread of each message, by its index in _uids
    private readonly int[] _newestFirst;  // thread indexes, the one whose newest message arrived last first
    private readonly int[] _newest;       // each thread's newest message (arrival, then UID), by index in _uids

    private ThreadForest(long[] uids, int[] nodes, int[] children, int[] threadStart, int[] threadOf, int[] newestFirst, int[] newest)
    {
        (_uids, _nodes, _children, _threadStart, _threadOf, _newestFirst, _newest) = (uids, nodes, children, threadStart, threadOf, newestFirst, newest);
    }

    /// <summary>Messages threaded.</summary>
    public int MessageCount => _uids.Length;

    /// <summary>The highest UID threaded, 0 for none: with <see cref="MessageCount"/>, which messages these are (<see cref="Covers"/>).</summary>
    public long MaxUid => _uids.Length == 0 ? 0 : _uids[^1];

    /// <summary>Threads, that is conversations.</summary>
    public int Count => _threadStart.Length - 1;

    /// <summary>Bytes this forest holds, for the cache's budget.</summary>
    internal long Bytes => 8L * _uids.Length + 4L * (_nodes.Length + _children.Length + _threadStart.Length + _threadOf.Length + _newestFirst.Length + _newest.Length);

    /// <summary>
    /// Whether this forest threads exactly the messages of a view of the same folder with this many messages and this
    /// highest UID. Two states of a folder with the same count and highest UID hold the same UIDs: a folder only loses
    /// messages and gains ones with UIDs above all it had, so a later state with the same highest UID has gained none
    /// it kept, and with the same count has lost none.
    /// </summary>
    public bool Covers(int count, long maxUid) => count == MessageCount && maxUid == MaxUid;

    /// <summary>
    /// Threads these messages, given in ascending UID order with their arrival (Unix ms): each message's
    /// <see cref="ThreadMessage.Number"/> and <see cref="ThreadMessage.Order"/> must be its index in that order.
    /// </summary>
    public static ThreadForest Build(IReadOnlyList<long> uids, IReadOnlyList<long> arrivalMs, IReadOnlyList<ThreadNode> threads)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(arrivalMs);
        ArgumentNullException.ThrowIfNull(threads);
        var nodes = new List<int>(uids.Count + uids.Count / 8);
        var children = new List<int>(nodes.Capacity);
        var threadStart = new int[threads.Count + 1];
        var threadOf = new int[uids.Count];
        var newest = new int[threads.Count];
        var stack = new Stack<ThreadNode>();
        for (var t = 0; t < threads.Count; t++)
        {
            threadStart[t] = nodes.Count;
            newest[t] = -1;
            stack.Push(threads[t]);
            // Iterative pre-order: a crafted chain of References is as deep as the folder is long.
            while (stack.Count > 0)
            {
                var node = stack.Pop();
                var index = node.Message is { } message ? checked((int)message.Number) : -1;
                nodes.Add(index);
                children.Add(node.Children.Count);
                if (index >= 0)
                {
                    threadOf[index] = t;
                    if (newest[t] < 0 || (arrivalMs[index], uids[index]).CompareTo((arrivalMs[newest[t]], uids[newest[t]])) > 0)
                    {
                        newest[t] = index;
                    }
                }
                for (var c = node.Children.Count - 1; c >= 0; c--)
                {
                    stack.Push(node.Children[c]);
                }
            }
        }
        threadStart[threads.Count] = nodes.Count;
        var newestFirst = new int[threads.Count];
        for (var t = 0; t < newestFirst.Length; t++)
        {
            newestFirst[t] = t;
        }
        // Every thread has a message (a dummy always holds some), and no message is in two: the keys are distinct.
        var keys = new (long Arrival, long Uid)[threads.Count];
        for (var t = 0; t < keys.Length; t++)
        {
            keys[t] = (-arrivalMs[newest[t]], -uids[newest[t]]);
        }
        Array.Sort(keys, newestFirst);
        return new ThreadForest([.. uids], [.. nodes], [.. children], threadStart, threadOf, newestFirst, newest);
    }

    /// <summary>
    /// The THREAD response's threads (RFC 5256 §4): <c>thread-list = "(" (thread-members / thread-nested) ")"</c>,
    /// <c>thread-members = nz-number *(SP nz-number) [SP thread-nested]</c>, <c>thread-nested = 2*thread-list</c>: a
    /// chain of only children is one list; a node with several children ends its list with one list per child; a
    /// dummy shows no number. <paramref name="number"/> names a message by its index among the UIDs.
    /// </summary>
    public void Write(StringBuilder line, Func<int, long> number)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(number);
        // Iterative, for the same reason as Build: each open list waits for this many more child lists.
        var open = new Stack<int>();
        var position = 0;
        while (position < _nodes.Length)
        {
            line.Append('(');
            var first = true;
            while (true)
            {
                var index = _nodes[position];
                var count = _children[position];
                position++;
                if (index >= 0)
                {
                    if (!first)
                    {
                        line.Append(' ');
                    }
                    line.Append(number(index).ToString(CultureInfo.InvariantCulture));
                    first = false;
                }
                if (count == 1)
                {
                    continue;
                }
                if (count > 1 && !first)
                {
                    line.Append(' ');
                }
                open.Push(count);
                break;
            }
            // Close every list whose children are all written.
            while (open.Count > 0 && open.Peek() == 0)
            {
                open.Pop();
                line.Append(')');
                if (open.Count > 0)
                {
                    open.Push(open.Pop() - 1);
                }
            }
        }
    }

    /// <summary>The UIDs of each conversation of <paramref name="offset"/>.. on, the one with the newest message first: its newest message and all its messages.</summary>
    public IEnumerable<(long Newest, IReadOnlyList<long> Uids)> NewestFirst(int offset, int count)
    {
        for (var i = offset; i < Math.Min(_newestFirst.Length, offset + count); i++)
        {
            var thread = _newestFirst[i];
            yield return (_uids[_newest[thread]], UidsOf(thread));
        }
    }

    /// <summary>The UIDs of the conversation holding this message, ascending; empty for a UID not threaded here.</summary>
    public IReadOnlyList<long> ThreadOf(long uid)
    {
        var index = Array.BinarySearch(_uids, uid);
        return index < 0 ? [] : UidsOf(_threadOf[index]);
    }

    private List<long> UidsOf(int thread)
    {
        var uids = new List<long>();
        for (var n = _threadStart[thread]; n < _threadStart[thread + 1]; n++)
        {
            if (_nodes[n] >= 0)
            {
                uids.Add(_uids[_nodes[n]]);
            }
        }
        uids.Sort();
        return uids;
    }
}
