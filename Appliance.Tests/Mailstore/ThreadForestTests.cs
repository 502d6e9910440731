using System.Text;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Tests.Mime;

namespace Appliance.Tests.Mailstore;

/// <summary>
/// The compact forest IMAP THREAD writes and the webmail's conversations come from: the same answer as the tree of
/// <see cref="Threading"/> it is made of (written by the tests' own writer), conversations newest first, and no
/// recursion to overflow on a folder threaded thousands of levels deep.
/// </summary>
public class ThreadForestTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private static ThreadMessage M(int index, string? id, string subject, int hour, params string[] references) =>
        new(index, index, id, references, subject, Day.AddHours(hour));

    private static string Written(ThreadForest forest, Func<int, long> number)
    {
        var line = new StringBuilder();
        forest.Write(line, number);
        return line.ToString();
    }

    [Fact]
    public void Writes_what_the_tree_holds_dummies_nesting_and_chains_alike()
    {
        ThreadMessage[] messages =
        [
            M(0, "<root@x>", "Plan", 1),
            M(1, "<r1@x>", "Re: Plan", 2, "<root@x>"),
            M(2, "<r3@x>", "Re: Plan", 4, "<root@x>", "<r1@x>", "<gone@x>"),
            M(3, "<r2@x>", "Re: Plan", 3, "<root@x>"),
            M(4, "<other@x>", "Other", 0),
            M(5, "<c@x>", "Re: Venue", 5, "<lost@x>"),
            M(6, "<d@x>", "Re: Venue", 6, "<lost@x>"),
            M(7, "<e@x>", "Re: Venue", 7, "<d@x>"),
        ];
        var threads = Threading.References(messages);
        long[] uids = [3, 5, 8, 9, 12, 20, 21, 30];
        var forest = ThreadForest.Build(uids, [.. messages.Select(m => m.Date.ToUnixTimeMilliseconds())], threads);

        // The tests' writer numbers a message by its index + 1 (ThreadMessage.Number is the index here).
        Assert.Equal("(5)(1 (2 3)(4))((6)(7 8))", ThreadingTests.Show(threads, n => n + 1));
        Assert.Equal("(5)(1 (2 3)(4))((6)(7 8))", Written(forest, i => i + 1L));
        Assert.Equal("(12)(3 (5 8)(9))((20)(21 30))", Written(forest, i => uids[i]));
        Assert.Equal((8, 30L, 3), (forest.MessageCount, forest.MaxUid, forest.Count));
        Assert.True(forest.Covers(8, 30));
        Assert.False(forest.Covers(7, 30));
        Assert.False(forest.Covers(8, 31));

        // Newest first by arrival (here the hours): Venue (30 at hour 7), Plan (8 at hour 4), Other.
        Assert.Equal([(30L, new long[] { 20, 21, 30 }), (8L, [3, 5, 8, 9]), (12L, [12])],
            forest.NewestFirst(0, 10).Select(c => (c.Newest, c.Uids.ToArray())));
        Assert.Equal([(8L, new long[] { 3, 5, 8, 9 })], forest.NewestFirst(1, 1).Select(c => (c.Newest, c.Uids.ToArray())));
        Assert.Empty(forest.NewestFirst(3, 10));
        Assert.Equal([3L, 5, 8, 9], forest.ThreadOf(9));
        Assert.Empty(forest.ThreadOf(4));
    }

    [Fact]
    public void An_empty_folder_has_no_threads()
    {
        var forest = ThreadForest.Build([], [], Threading.References([]));
        Assert.Equal((0, 0L, 0), (forest.MessageCount, forest.MaxUid, forest.Count));
        Assert.Equal("", Written(forest, i => i));
        Assert.True(forest.Covers(0, 0));
    }

    [Fact]
    public void A_thread_thousands_of_levels_deep_with_a_branch_at_each_is_built_and_written_without_recursion()
    {
        // Each message answers the one before, and every level also has a second reply: 20,000 levels of nested lists.
        const int levels = 20_000;
        var root = new ThreadNode(new ThreadMessage(0, 0, null, [], "s", Day));
        var node = root;
        var index = 1;
        for (var level = 0; level < levels; level++)
        {
            var next = new ThreadNode(new ThreadMessage(index, index, null, [], "s", Day.AddSeconds(index)));
            index++;
            var leaf = new ThreadNode(new ThreadMessage(index, index, null, [], "s", Day.AddSeconds(index)));
            index++;
            node.Adopt(next);
            node.Adopt(leaf);
            node = next;
        }
        var uids = Enumerable.Range(1, index).Select(i => (long)i).ToArray();
        var forest = ThreadForest.Build(uids, [.. uids], [root]);
        var written = Written(forest, i => uids[i]);
        Assert.StartsWith("(1 (2 (4 (6 ", written, StringComparison.Ordinal);
        Assert.Equal(written.Count(c => c == '('), written.Count(c => c == ')'));
        Assert.Equal(1 + 2 * levels, written.Count(c => c == '('));
        Assert.Equal([(uids[^1], uids)], forest.NewestFirst(0, 1).Select(c => (c.Newest, c.Uids.ToArray())));
    }
}
