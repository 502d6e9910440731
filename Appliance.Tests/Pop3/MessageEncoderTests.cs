using System.Buffers;
using System.Text;
using Appliance.Pop3;

namespace Appliance.Tests.Pop3;

/// <summary>RETR and TOP bodies: CRLF everywhere, dot-stuffing, the missing last line break, TOP's line count; fed whole and split at every byte.</summary>
public sealed class MessageEncoderTests
{
    /// <summary>Encodes the input in two chunks split at every position, and whole; all must agree.</summary>
    private static string Encode(string input, bool dotStuff = true, int bodyLines = -1)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        string? whole = null;
        for (var split = 0; split <= bytes.Length; split++)
        {
            var encoder = new MessageEncoder(dotStuff, bodyLines);
            var output = new ArrayBufferWriter<byte>();
            encoder.Encode(bytes.AsSpan(0, split), output);
            encoder.Encode(bytes.AsSpan(split), output);
            encoder.Complete(output);
            var text = Encoding.UTF8.GetString(output.WrittenSpan);
            whole ??= text;
            Assert.True(whole == text, $"split at {split} gave a different result: {Escape(text)} vs {Escape(whole)}");
        }
        // And byte by byte.
        var single = new MessageEncoder(dotStuff, bodyLines);
        var writer = new ArrayBufferWriter<byte>();
        foreach (var b in bytes)
        {
            single.Encode([b], writer);
        }
        single.Complete(writer);
        Assert.Equal(whole, Encoding.UTF8.GetString(writer.WrittenSpan));
        return whole!;
    }

    private static string Escape(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    [Theory]
    [InlineData("Subject: a\r\n\r\nbody\r\n", "Subject: a\r\n\r\nbody\r\n")]
    [InlineData("Subject: a\n\nbody\n", "Subject: a\r\n\r\nbody\r\n")]
    [InlineData("Subject: a\r\n\nmixed\nends\r\n", "Subject: a\r\n\r\nmixed\r\nends\r\n")]
    [InlineData("Subject: a\r\n\r\nno final break", "Subject: a\r\n\r\nno final break\r\n")]
    [InlineData("Subject: a\r\n\r\nends in CR\r", "Subject: a\r\n\r\nends in CR\r\n")]
    [InlineData("S: a\r\n\r\nbare\rCR stays\r\n", "S: a\r\n\r\nbare\rCR stays\r\n")]
    [InlineData("S: a\r\n\r\n\r\r\n", "S: a\r\n\r\n\r\r\n")]
    [InlineData("", "")]
    [InlineData("\n", "\r\n")]
    public void Lines_end_in_CRLF_whatever_was_stored(string stored, string sent) => Assert.Equal(Escape(sent), Escape(Encode(stored)));

    [Theory]
    [InlineData("S: a\r\n\r\n.\r\n", "S: a\r\n\r\n..\r\n")]
    [InlineData("S: a\n\n.hidden\n..two\n. space\nmid.dle\n", "S: a\r\n\r\n..hidden\r\n...two\r\n.. space\r\nmid.dle\r\n")]
    [InlineData(".starts the message\r\n", "..starts the message\r\n")]
    [InlineData("S: a\r\n\r\nlast line is a dot\r\n.", "S: a\r\n\r\nlast line is a dot\r\n..\r\n")]
    [InlineData("S: a\r\n\r\n\r.\r\n", "S: a\r\n\r\n\r.\r\n")]
    public void Lines_starting_with_a_dot_are_stuffed(string stored, string sent) => Assert.Equal(Escape(sent), Escape(Encode(stored)));

    [Fact]
    public void Measuring_does_not_stuff()
    {
        Assert.Equal("S: a\r\n\r\n.x\r\n", Encode("S: a\n\n.x", dotStuff: false));
    }

    [Theory]
    [InlineData(0, "A: 1\r\nB: 2\r\n\r\n")]
    [InlineData(1, "A: 1\r\nB: 2\r\n\r\nline 1\r\n")]
    [InlineData(2, "A: 1\r\nB: 2\r\n\r\nline 1\r\n..line 2\r\n")]
    [InlineData(3, "A: 1\r\nB: 2\r\n\r\nline 1\r\n..line 2\r\n\r\n")]
    [InlineData(4, "A: 1\r\nB: 2\r\n\r\nline 1\r\n..line 2\r\n\r\nlast\r\n")]
    [InlineData(100, "A: 1\r\nB: 2\r\n\r\nline 1\r\n..line 2\r\n\r\nlast\r\n")]
    public void TOP_sends_the_header_the_blank_line_and_n_body_lines(int lines, string sent) =>
        Assert.Equal(Escape(sent), Escape(Encode("A: 1\nB: 2\r\n\nline 1\n.line 2\r\n\nlast", bodyLines: lines)));

    [Fact]
    public void TOP_of_a_message_without_a_body_sends_the_whole_header()
    {
        Assert.Equal("A: 1\r\nB: 2\r\n", Encode("A: 1\nB: 2", bodyLines: 0));
    }

    [Fact]
    public void TOP_0_stops_at_the_blank_line_after_the_header()
    {
        Assert.Equal("A: 1\r\n\r\n", Encode("A: 1\r\n\r\nbody\r\n", bodyLines: 0));
    }

    [Fact]
    public async Task MeasureAsync_counts_the_normalized_form_without_stuffing()
    {
        var stored = "A: 1\n\n.dot\nlast"u8.ToArray();
        Assert.Equal("A: 1\r\n\r\n.dot\r\nlast\r\n".Length, await MessageEncoder.MeasureAsync(new MemoryStream(stored)));
        Assert.Equal(0, await MessageEncoder.MeasureAsync(new MemoryStream()));
    }

    [Fact]
    public async Task MeasureAsync_of_a_large_message_matches_what_is_sent()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 20000; i++)
        {
            text.Append(i % 3 == 0 ? ".dotted line\n" : "an ordinary line of text\r\n");
        }
        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        var sent = new ArrayBufferWriter<byte>();
        var encoder = new MessageEncoder(dotStuff: false);
        encoder.Encode(bytes, sent);
        encoder.Complete(sent);
        Assert.Equal(sent.WrittenCount, await MessageEncoder.MeasureAsync(new MemoryStream(bytes)));
    }
}
