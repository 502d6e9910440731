using System.Globalization;
using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

/// <summary>RFC 5256 §3's ORDEREDSUBJECT and REFERENCES over hand-made messages, written as THREAD would.</summary>
public class ThreadingTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private static ThreadMessage M(long n, string? id, string subject, int hour, params string[] references) =>
        new(n, n, id, references, subject, Day.AddHours(hour));

    /// <summary>Numbers, a dummy as nothing: "(1 2 (3)(4))" is 1 → 2 → {3, 4}.</summary>
    internal static string Show(IEnumerable<ThreadNode> threads, Func<long, long>? number = null)
    {
        var text = new StringBuilder();
        foreach (var thread in threads)
        {
            Show(text, thread, number ?? (n => n));
        }
        return text.ToString();
    }

    private static void Show(StringBuilder text, ThreadNode node, Func<long, long> number)
    {
        text.Append('(');
        var parts = new List<string>();
        var current = node;
        while (true)
        {
            if (current.Message is { } m) parts.Add(number(m.Number).ToString(CultureInfo.InvariantCulture));
            if (current.Children.Count == 1) { current = current.Children[0]; continue; }
            text.Append(string.Join(' ', parts));
            if (current.Children.Count > 1)
            {
                if (parts.Count > 0) text.Append(' ');
                foreach (var child in current.Children) Show(text, child, number);
            }
            break;
        }
        text.Append(')');
    }

    [Fact]
    public void Ordered_subject_makes_the_earliest_message_of_a_base_subject_the_parent_of_the_rest()
    {
        var threads = Threading.OrderedSubject([
            M(1, "<a@x>", "Lunch", 5),
            M(2, "<b@x>", "Re: Lunch", 6),
            M(3, "<c@x>", "Budget", 1),
            M(4, "<d@x>", "RE: lunch", 7),
            M(5, "<e@x>", "Re: Budget", 2),
            M(6, "<f@x>", "Solo", 3),
        ]);
        Assert.Equal("(3 5)(6)(1 (2)(4))", Show(threads));
    }

    [Fact]
    public void References_link_parents_and_children_through_missing_messages_and_sort_siblings_by_date()
    {
        var threads = Threading.References([
            M(1, "<root@x>", "Plan", 1),
            M(2, "<r1@x>", "Re: Plan", 2, "<root@x>"),
            // Its parent <gone@x> is not in the mailbox: the dummy for it is pruned and 3 becomes a child of 2.
            M(3, "<r3@x>", "Re: Plan", 4, "<root@x>", "<r1@x>", "<gone@x>"),
            M(4, "<r2@x>", "Re: Plan", 3, "<root@x>"),
            M(5, "<other@x>", "Other", 0),
        ]);
        Assert.Equal("(5)(1 (2 3)(4))", Show(threads));
    }

    [Fact]
    public void References_fall_back_to_in_reply_to_order_and_loops_are_refused()
    {
        // 2 says 1 is its parent, 1 says 2 is its parent: the second link would close a loop and is not made.
        var threads = Threading.References([
            M(1, "<a@x>", "Loop", 1, "<b@x>"),
            M(2, "<b@x>", "Loop", 2, "<a@x>"),
        ]);
        Assert.Equal("(2 1)", Show(threads));
    }

    [Fact]
    public void Roots_of_one_base_subject_are_grouped_under_the_message_that_is_no_reply()
    {
        var threads = Threading.References([
            M(1, "<a@x>", "Trip", 1),
            // A reply whose References were lost: grouped under 1 by subject.
            M(2, "<b@x>", "Re: Trip", 2),
            // Two replies to a message not in the mailbox: a dummy root holds them.
            M(3, "<c@x>", "Re: Venue", 3, "<gone@x>"),
            M(4, "<d@x>", "Re: Venue", 4, "<gone@x>"),
        ]);
        Assert.Equal("(1 2)((3)(4))", Show(threads));
    }

    [Fact]
    public void Roots_of_one_subject_that_are_all_replies_share_a_new_dummy_and_duplicate_ids_stay_apart()
    {
        var threads = Threading.References([
            M(1, "<a@x>", "Re: Menu", 1),
            M(2, "<b@x>", "Re: Menu", 2),
            // The same Message-ID again: a message of its own, not merged into 2.
            M(3, "<b@x>", "Other", 3),
            M(4, null, "Other", 4),
        ]);
        Assert.Equal("((1)(2))((3)(4))", Show(threads));
    }
}
