using System.IO.Pipelines;
using System.Text;
using Appliance.Imap;
using Appliance.Imap.Parsing;
using Appliance.Protocols;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>The IMAP tokenizer: primitives, every prefix of real commands, and the literal-collecting reader at every split.</summary>
public class ImapParserTests
{
    private static ImapParser P(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Strings_atoms_literals_and_nil()
    {
        var p = P("a1 LOGIN \"bob@example.com\" \"pa\\\"ss\\\\word\"");
        Assert.Equal("a1", p.ReadTag());
        p.ReadSpace();
        Assert.Equal("LOGIN", p.ReadAtom());
        p.ReadSpace();
        Assert.Equal("bob@example.com", p.ReadAString());
        p.ReadSpace();
        Assert.Equal("pa\"ss\\word", p.ReadAString());
        p.ExpectEnd();

        p = P("{5}\r\nab\r\nc NIL {3+}\r\nxyz");
        Assert.Equal("ab\r\nc", p.ReadAString());
        p.ReadSpace();
        Assert.Null(p.ReadNString());
        p.ReadSpace();
        Assert.Equal("xyz", p.ReadAString());
        Assert.True(p.AtEnd);
    }

    [Theory]
    [InlineData("1", 5, new long[] { 1 })]
    [InlineData("2:4", 5, new long[] { 2, 3, 4 })]
    [InlineData("4:2", 5, new long[] { 2, 3, 4 })]
    [InlineData("*", 5, new long[] { 5 })]
    [InlineData("3:*", 5, new long[] { 3, 4, 5 })]
    [InlineData("1,3,5:*", 5, new long[] { 1, 3, 5 })]
    public void Sequence_sets(string text, long largest, long[] expected)
    {
        var set = P(text).ReadSequenceSet();
        Assert.Equal(expected, Enumerable.Range(1, (int)largest).Select(i => (long)i).Where(i => set.Contains(i, largest)));
        Assert.Equal("1:3,7,9:10", SequenceSet.Format([3, 1, 2, 7, 9, 10, 10]));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1:")]
    [InlineData(",1")]
    [InlineData("1,,2")]
    [InlineData("99999999999")]
    public void Bad_sequence_sets_are_syntax_errors(string text) =>
        Assert.Throws<ImapSyntaxException>(() => P(text).ReadSequenceSet());

    [Fact]
    public void Dates_and_flags()
    {
        Assert.Equal(new DateOnly(2026, 11, 3), P("3-Nov-2026").ReadDate());
        Assert.Equal(new DateOnly(2026, 11, 3), P("\"03-Nov-2026\"").ReadDate());
        Assert.Equal(new DateTimeOffset(2026, 11, 3, 14, 5, 6, TimeSpan.FromHours(-5)), P("\" 3-Nov-2026 14:05:06 -0500\"").ReadDateTime());
        Assert.Equal([@"\Seen", @"\Flagged", "$Label1"], P(@"(\SEEN \flagged $Label1)").ReadFlagList());
        Assert.Throws<ImapSyntaxException>(() => P(@"(\Bogus)").ReadFlagList());
        Assert.Throws<ImapSyntaxException>(() => P("32-Nov-2026").ReadDate());
    }

    [Fact]
    public void Literal_longer_than_the_command_or_without_crlf_is_a_syntax_error()
    {
        Assert.Throws<ImapSyntaxException>(() => P("{10}\r\nabc").ReadAString());
        Assert.Throws<ImapSyntaxException>(() => P("{3}abc").ReadAString());
        Assert.Throws<ImapSyntaxException>(() => P("{99999999999}\r\n").ReadAString());
    }

    [Theory]
    [InlineData("Entwürfe", "Entw&APw-rfe")]
    [InlineData("A&B", "A&-B")]
    [InlineData("日本語", "&ZeVnLIqe-")]
    [InlineData("plain/sub", "plain/sub")]
    public void Mailbox_names_in_modified_utf7(string name, string encoded)
    {
        Assert.Equal(encoded, ModifiedUtf7.Encode(name));
        Assert.True(ModifiedUtf7.TryDecode(encoded, out var decoded));
        Assert.Equal(name, decoded);
    }

    [Theory]
    [InlineData("&ZeVnLIqe")]
    [InlineData("&A-")]
    [InlineData("é")]
    public void Bad_modified_utf7_is_refused(string encoded) => Assert.False(ModifiedUtf7.TryDecode(encoded, out _));

    public static TheoryData<string> Commands => new()
    {
        "a1 LOGIN bob@example.com \"Str0ng Passw0rd\"",
        "a2 LIST (SUBSCRIBED) \"\" (\"INBOX\" \"Dr%\") RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))",
        "a3 UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.100> BODYSTRUCTURE)",
        "a4 STORE 2,4:6 +FLAGS.SILENT (\\Seen $Important)",
        "a5 SEARCH CHARSET UTF-8 OR FROM \"alice\" NOT SUBJECT {5}\r\ncafé SINCE 1-Jan-2026",
        "a6 APPEND Drafts (\\Draft) \"28-Nov-2026 10:00:00 +0100\" {7+}\r\nSubject",
        "a7 STATUS \"Entw&APw-rfe\" (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)",
    };

    /// <summary>
    /// Each prefix of a command is what a parser may be handed when a client is cut off or malicious:
    /// it either parses or fails with a syntax error, never anything else.
    /// </summary>
    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_prefix_of_a_command_parses_or_is_a_syntax_error(string command)
    {
        var bytes = Encoding.UTF8.GetBytes(command);
        for (var length = 0; length <= bytes.Length; length++)
        {
            var p = new ImapParser(bytes.AsMemory(0, length));
            try
            {
                ParseGenerically(p);
            }
            catch (ImapSyntaxException)
            {
                // expected for most prefixes
            }
        }
        // The whole command parses to its end.
        var whole = new ImapParser(bytes);
        ParseGenerically(whole);
        Assert.True(whole.AtEnd);
    }

    /// <summary>Walks any command with the parser's primitives, as the command classes do.</summary>
    private static void ParseGenerically(ImapParser p)
    {
        p.ReadTag();
        p.ReadSpace();
        while (!p.AtEnd)
        {
            if (p.NextIs('(') || p.NextIs(')') || p.NextIs(' ') || p.NextIs('[') || p.NextIs(']') || p.NextIs('<') || p.NextIs('>') || p.NextIs('.'))
            {
                p.TryRead('(');
                p.TryRead(')');
                p.TrySpace();
                p.TryRead('[');
                p.TryRead(']');
                p.TryRead('<');
                p.TryRead('>');
                p.TryRead('.');
            }
            else if (p.NextIs('"') || p.NextIs('{'))
            {
                p.ReadStringBytes();
            }
            else if (p.NextIs('\\'))
            {
                p.ReadFlag();
            }
            else if (p.NextIs('%') || p.NextIs('*'))
            {
                p.ReadListMailbox();
            }
            else
            {
                p.ReadItemName();
            }
        }
    }

    private sealed class Split(byte[] bytes, int[] cuts) : IAsyncDisposable
    {
        public Pipe Pipe { get; } = new();

        /// <summary>The session loop the reader reads through, over this pipe.</summary>
        public SessionLoop Loop => _loop ??= new SessionLoop(new TestPipes(Pipe.Reader, new Pipe().Writer), isTls: false, certificates: null, default);

        private SessionLoop? _loop;

        public async Task FeedAsync()
        {
            var last = 0;
            foreach (var cut in cuts.Append(bytes.Length))
            {
                await Pipe.Writer.WriteAsync(bytes.AsMemory(last, cut - last));
                last = cut;
            }
            await Pipe.Writer.CompleteAsync();
        }

        public async ValueTask DisposeAsync() => await Pipe.Reader.CompleteAsync();
    }

    [Fact]
    public async Task Reader_collects_literals_at_every_split_and_asks_for_synchronizing_ones_only()
    {
        var input = "a1 APPEND INBOX {11}\r\nHello\r\nBob {3+}\r\nxyz\r\na2 NOOP\r\n"u8.ToArray();
        var reader = new ImapCommandReader(new ImapOptions());
        for (var cut = 1; cut < input.Length; cut++)
        {
            await using var split = new Split(input, [cut]);
            await split.FeedAsync();
            var continuations = 0;
            var first = await reader.ReadAsync(split.Loop, () => { continuations++; return Task.CompletedTask; }, Timeout.InfiniteTimeSpan);
            Assert.Equal(FrameKind.Command, first.Kind);
            Assert.Equal("a1 APPEND INBOX {11}\r\nHello\r\nBob {3+}\r\nxyz", Encoding.ASCII.GetString(first.Bytes.Span));
            Assert.Equal(1, continuations);
            var second = await reader.ReadAsync(split.Loop, () => { continuations++; return Task.CompletedTask; }, Timeout.InfiniteTimeSpan);
            Assert.Equal("a2 NOOP", Encoding.ASCII.GetString(second.Bytes.Span));
            Assert.Equal(FrameKind.End, (await reader.ReadAsync(split.Loop, () => Task.CompletedTask, Timeout.InfiniteTimeSpan)).Kind);
        }
    }

    [Fact]
    public async Task Every_prefix_of_the_input_ends_cleanly()
    {
        var input = "a1 LOGIN {3}\r\nbob {4+}\r\npass\r\na2 NOOP\r\n"u8.ToArray();
        var reader = new ImapCommandReader(new ImapOptions());
        for (var length = 0; length < input.Length; length++)
        {
            await using var split = new Split(input[..length], []);
            await split.FeedAsync();
            var frames = new List<FrameKind>();
            ImapFrame frame;
            do
            {
                frame = await reader.ReadAsync(split.Loop, () => Task.CompletedTask, Timeout.InfiniteTimeSpan);
                frames.Add(frame.Kind);
            }
            while (frame.Kind != FrameKind.End && frames.Count < 5);
            Assert.Equal(FrameKind.End, frames[^1]);
            Assert.DoesNotContain(frames, k => k is not (FrameKind.Command or FrameKind.End));
        }
    }

    [Fact]
    public async Task Limits_on_lines_and_literals()
    {
        var options = new ImapOptions { MaxLineLength = 8192, MaxLiteralSize = 65536 };
        var reader = new ImapCommandReader(options);
        var longLine = Encoding.ASCII.GetBytes("a1 NOOP " + new string('x', 9000) + "\r\na2 NOOP\r\n");
        await using (var split = new Split(longLine, [100, 5000]))
        {
            await split.FeedAsync();
            Assert.Equal(FrameKind.LineTooLong, (await reader.ReadAsync(split.Loop, () => Task.CompletedTask, Timeout.InfiniteTimeSpan)).Kind);
            Assert.Equal("a2 NOOP", Encoding.ASCII.GetString((await reader.ReadAsync(split.Loop, () => Task.CompletedTask, Timeout.InfiniteTimeSpan)).Bytes.Span));
        }
        await using (var split = new Split("a3 APPEND INBOX {70000}\r\n"u8.ToArray(), []))
        {
            await split.FeedAsync();
            var frame = await reader.ReadAsync(split.Loop, () => throw new InvalidOperationException("no continuation for a refused literal"), Timeout.InfiniteTimeSpan);
            Assert.Equal(FrameKind.LiteralTooLarge, frame.Kind);
            Assert.Equal("a3", frame.Tag);
        }
        await using (var split = new Split("a4 APPEND INBOX {70000+}\r\n"u8.ToArray(), []))
        {
            await split.FeedAsync();
            Assert.Equal(FrameKind.FatalLiteralTooLarge, (await reader.ReadAsync(split.Loop, () => Task.CompletedTask, Timeout.InfiniteTimeSpan)).Kind);
        }
    }

    /// <summary>
    /// RFC 7888 §5 with LITERAL+ off: a non-synchronizing literal of 4096 octets is taken; one of 4097 is read and dropped
    /// with the rest of its command (another non-synchronizing literal included), the tag kept for the BAD, and the next
    /// command is read in step. With LITERAL+ on (the default) the same command is taken whole.
    /// </summary>
    [Fact]
    public async Task Literal_minus_drops_a_non_synchronizing_literal_over_4096_octets_and_stays_in_step()
    {
        var input = Encoding.ASCII.GetBytes("a1 APPEND INBOX {4096+}\r\n" + new string('x', 4096) + "\r\n"
            + "a2 APPEND INBOX {4097+}\r\n" + new string('y', 4097) + " {3+}\r\nabc\r\n"
            + "a3 NOOP\r\n");
        var minus = new ImapCommandReader(new ImapOptions { LiteralPlus = false });
        await using (var split = new Split(input, [1000, 4200, 8000]))
        {
            await split.FeedAsync();
            var first = await minus.ReadAsync(split.Loop, () => throw new InvalidOperationException("no continuation for {n+}"), Timeout.InfiniteTimeSpan);
            Assert.Equal((FrameKind.Command, 23 + 2 + 4096), (first.Kind, first.Bytes.Length));
            var second = await minus.ReadAsync(split.Loop, () => throw new InvalidOperationException("no continuation for {n+}"), Timeout.InfiniteTimeSpan);
            Assert.Equal((FrameKind.NonSyncLiteralTooLarge, "a2"), (second.Kind, second.Tag));
            Assert.Equal("a3 NOOP", Encoding.ASCII.GetString((await minus.ReadAsync(split.Loop, () => Task.CompletedTask, Timeout.InfiniteTimeSpan)).Bytes.Span));
        }
        var plus = new ImapCommandReader(new ImapOptions());
        await using (var split = new Split(input, []))
        {
            await split.FeedAsync();
            await plus.ReadAsync(split.Loop, () => Task.CompletedTask, Timeout.InfiniteTimeSpan);
            Assert.Equal(FrameKind.Command, (await plus.ReadAsync(split.Loop, () => Task.CompletedTask, Timeout.InfiniteTimeSpan)).Kind);
        }
    }
}
