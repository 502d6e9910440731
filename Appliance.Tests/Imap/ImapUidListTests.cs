using Appliance.Imap;

namespace Appliance.Tests.Imap;

/// <summary>The selected mailbox's compact UID list: 32-bit while the UIDs fit, widened (never wrapped) past that.</summary>
public class ImapUidListTests
{
    [Fact]
    public void Keeps_order_finds_and_removes()
    {
        var list = new UidList();
        foreach (var uid in new long[] { 1, 2, 5, 9, uint.MaxValue })
        {
            list.Add(uid);
        }
        Assert.Equal([1L, 2, 5, 9, uint.MaxValue], list);
        Assert.Equal(5, list.Count);
        Assert.Equal(uint.MaxValue, list[^1]);
        Assert.Equal(2, list.BinarySearch(5));
        Assert.True(list.BinarySearch(4) < 0);
        Assert.True(list.BinarySearch(-1) < 0);
        Assert.True(list.BinarySearch((long)uint.MaxValue + 1) < 0);
        list.RemoveAt(1);
        Assert.Equal([1L, 5, 9, uint.MaxValue], list);
    }

    [Fact]
    public void A_uid_past_32_bits_widens_the_list_instead_of_wrapping()
    {
        var list = new UidList();
        list.Add(7);
        list.Add((long)uint.MaxValue + 5);
        list.Add((long)uint.MaxValue + 9);
        Assert.Equal([7L, (long)uint.MaxValue + 5, (long)uint.MaxValue + 9], list);
        Assert.Equal(1, list.BinarySearch((long)uint.MaxValue + 5));
        Assert.True(list.BinarySearch(4) < 0);
        list.RemoveAt(0);
        list.TrimExcess();
        Assert.Equal((long)uint.MaxValue + 5, list[0]);
    }
}
