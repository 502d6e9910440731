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

/// <summary>The view's per-message flag-set index: a byte while it fits, widened past 255 without losing any.</summary>
public class ImapFlagIndexListTests
{
    [Fact]
    public void Widens_past_a_byte_and_keeps_every_index()
    {
        var list = new FlagIndexList();
        for (var i = 0; i < 300; i++)
        {
            list.Add(i % 7);
        }
        list[10] = 255;
        Assert.Equal(255, list[10]);
        list[11] = 256;
        Assert.Equal(256, list[11]);
        list.Add(70_000);
        list.RemoveAt(0);
        list.TrimExcess();
        Assert.Equal(300, list.Count);
        Assert.Equal(255, list[9]);
        Assert.Equal(256, list[10]);
        Assert.Equal(70_000, list[^1]);
        for (var i = 11; i < 299; i++)
        {
            Assert.Equal((i + 1) % 7, list[i]);
        }
    }
}
