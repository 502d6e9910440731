using System.Buffers;
using System.Text;
using Appliance.Protocols;
using Appliance.Smtp;
using Appliance.Smtp.Parsing;

namespace Appliance.Tests.Smtp;

/// <summary>
/// The SMTP parsers fed every prefix of their input and every split of it into reads: they never
/// throw, a prefix is either "not yet"/refused or read exactly as the whole, and where the bytes are
/// cut into segments makes no difference.
/// </summary>
public sealed class ParserPrefixTests
{
    // ----- PathParser (MAIL FROM / RCPT TO arguments) -----

    /// <summary>keyword, allowNull, the bracketed path, parameters after it, and the address it means.</summary>
    public static TheoryData<string, bool, string, string, string> ValidPaths => new()
    {
        { "FROM", true, "<alice@elsewhere.example>", " SIZE=1000 BODY=8BITMIME", "alice@elsewhere.example" },
        { "FROM", true, "<>", "", "" },
        { "FROM", true, "<>", " AUTH=<> SIZE=12", "" },
        { "FROM", true, " <álice@bücher.example>", " SMTPUTF8", "álice@bücher.example" },
        { "TO", false, "<Bob@EXAMPLE.COM>", "", "Bob@example.com" },
        { "TO", false, "<\"quoted >name\"@example.com>", "", "\"quoted >name\"@example.com" },
        { "TO", false, "<\"a\\\"b\"@example.com>", "", "\"a\\\"b\"@example.com" },
        { "TO", false, "<@relay.example,@b.example:bob@example.com>", "", "bob@example.com" },
        { "TO", false, "<bob@[192.0.2.1]>", "", "bob@[192.0.2.1]" },
        { "TO", false, "<bob@[IPv6:2001:db8::1]>", "", "bob@[ipv6:2001:db8::1]" },
        { "TO", false, "<o'brien+tag@sub-domain.example.com>", " X-PARAM", "o'brien+tag@sub-domain.example.com" },
    };

    [Theory]
    [MemberData(nameof(ValidPaths))]
    public void PathParser_reads_every_prefix_as_incomplete_or_as_the_whole(string keyword, bool allowNull, string path, string parameters, string address)
    {
        var whole = $"{keyword}:{path}{parameters}";
        Assert.True(PathParser.TryParse(whole, keyword, allowNull, out var expected), whole);
        Assert.Equal(address, expected.Address);
        var pathEnd = keyword.Length + 1 + path.Length;
        for (var length = 0; length <= whole.Length; length++)
        {
            var prefix = whole[..length];
            var parsed = PathParser.TryParse(prefix, keyword, allowNull, out var result);
            if (length < pathEnd)
            {
                Assert.False(parsed, $"'{prefix}' is cut inside the path but was read as <{result.Address}>");
                continue;
            }
            // After the closing bracket only parameters can be cut short: same address, parameters a prefix of the whole's.
            Assert.True(parsed, $"'{prefix}' has the whole path but was refused");
            Assert.Equal(expected.Address, result.Address);
            Assert.True(result.Parameters.Count <= expected.Parameters.Count);
            Assert.All(result.Parameters.Keys, key => Assert.Contains(expected.Parameters.Keys, k => k.StartsWith(key, StringComparison.Ordinal)));
        }
    }

    [Theory]
    [InlineData("TO", "TO:<a@@example.com>")]
    [InlineData("TO", "TO:<a..b@example.com>")]
    [InlineData("TO", "TO:<.a@example.com>")]
    [InlineData("TO", "TO:<a@-example.com>")]
    [InlineData("TO", "TO:<a@example..com>")]
    [InlineData("TO", "TO:<a@exa_mple.com>")]
    [InlineData("TO", "TO:<a b@example.com>")]
    [InlineData("TO", "TO:<\"a\\\"@example.com>")]
    [InlineData("TO", "TO:<a@[300.1.1.1]>")]
    [InlineData("TO", "TO:<a@[192.0.2.1>")]
    [InlineData("TO", "TO:<@relay.example>")]
    [InlineData("TO", "TO:<a@example.com> =x")]
    [InlineData("TO", "TO:<a@example.com> -X")]
    [InlineData("TO", "TO:a@example.com")]
    [InlineData("TO", "TO:<>")]
    [InlineData("FROM", "FROM<a@example.com>")]
    [InlineData("FROM", "FROM:<a@\uFFFD.example>")]
    [InlineData("FROM", "FROM:<\uFFFD@example.com>")]
    public void PathParser_refuses_malformed_paths_and_never_throws_on_their_prefixes(string keyword, string whole)
    {
        Assert.False(PathParser.TryParse(whole, keyword, allowNull: keyword == "FROM", out _), whole);
        for (var length = 0; length < whole.Length; length++)
        {
            PathParser.TryParse(whole[..length], keyword, allowNull: keyword == "FROM", out _);
        }
    }

    // ----- LineReader + SmtpCommand (command framing) -----

    private const string Commands = "EHLO client.example\r\nMAIL FROM:<álice@elsewhere.example> SMTPUTF8\r\nRCPT TO:<bob@example.com>\r\nnoop\nDATA\r\n";

    private static readonly SmtpCommand[] CommandsParsed =
    [
        new("EHLO", "client.example"),
        new("MAIL", "FROM:<álice@elsewhere.example> SMTPUTF8"),
        new("RCPT", "TO:<bob@example.com>"),
        new("NOOP", ""),
        new("DATA", ""),
    ];

    /// <summary>Reads every complete line from <paramref name="buffer"/>; returns them and what is left.</summary>
    private static (List<SmtpCommand> Commands, long Left) ReadCommands(ReadOnlySequence<byte> buffer, int maxLength = 512)
    {
        var commands = new List<SmtpCommand>();
        while (true)
        {
            var outcome = LineReader.TryReadLine(ref buffer, maxLength, out var line);
            if (outcome == LineReader.Result.NeedMore) return (commands, buffer.Length);
            Assert.Equal(LineReader.Result.Line, outcome);
            commands.Add(SmtpCommand.Parse(line));
        }
    }

    [Fact]
    public void Every_prefix_of_a_pipelined_batch_yields_the_complete_commands_and_waits_for_the_rest()
    {
        var bytes = Encoding.UTF8.GetBytes(Commands);
        var (all, rest) = ReadCommands(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(CommandsParsed, all);
        Assert.Equal(0, rest);
        for (var length = 0; length <= bytes.Length; length++)
        {
            var (commands, left) = ReadCommands(new ReadOnlySequence<byte>(bytes, 0, length));
            var complete = bytes.AsSpan(0, length).Count((byte)'\n');
            Assert.Equal(CommandsParsed.Take(complete), commands);
            var lastLf = bytes.AsSpan(0, length).LastIndexOf((byte)'\n');
            Assert.Equal(length - (lastLf + 1), left);
        }
    }

    [Fact]
    public void Where_a_batch_is_cut_into_segments_makes_no_difference()
    {
        var bytes = Encoding.UTF8.GetBytes(Commands);
        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second += 7)
            {
                var (commands, left) = ReadCommands(Segments.Of(bytes, first, second));
                Assert.Equal(CommandsParsed, commands);
                Assert.Equal(0, left);
            }
        }
    }

    [Fact]
    public void SmtpCommand_parses_every_prefix_of_a_line_without_throwing_even_mid_character()
    {
        var line = Encoding.UTF8.GetBytes("MAIL FROM:<álice@bücher.example> SMTPUTF8");
        for (var length = 0; length <= line.Length; length++)
        {
            var command = SmtpCommand.Parse(new ReadOnlySequence<byte>(line, 0, length));
            Assert.Equal(command.Verb.ToUpperInvariant(), command.Verb);
            Assert.StartsWith(command.Verb, "MAIL", StringComparison.Ordinal);
            for (var cut = 0; cut <= length; cut++)
            {
                Assert.Equal(command, SmtpCommand.Parse(Segments.Of(line.AsMemory(0, length).ToArray(), cut)));
            }
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(2048)]
    public void A_line_of_exactly_the_limit_is_read_and_one_octet_more_is_too_long(int limit)
    {
        var atLimit = Encoding.ASCII.GetBytes("NOOP " + new string('x', limit - 5) + "\r\n");
        for (var length = 0; length <= atLimit.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(atLimit, 0, length);
            var outcome = LineReader.TryReadLine(ref buffer, limit, out var line);
            Assert.Equal(length == atLimit.Length ? LineReader.Result.Line : LineReader.Result.NeedMore, outcome);
            if (outcome == LineReader.Result.Line) Assert.Equal(limit, line.Length);
        }
        var over = Encoding.ASCII.GetBytes("NOOP " + new string('x', limit - 4) + "\r\nNOOP\r\n");
        var whole = new ReadOnlySequence<byte>(over);
        Assert.Equal(LineReader.Result.TooLong, LineReader.TryReadLine(ref whole, limit, out _));
        // The overlong line was consumed with its LF: the next line is next.
        Assert.Equal(LineReader.Result.Line, LineReader.TryReadLine(ref whole, limit, out var next));
        Assert.Equal("NOOP", Encoding.ASCII.GetString(next));
        // Without its end yet: too long as soon as no line of the limit can still fit, and nothing is consumed.
        var start = new ReadOnlySequence<byte>(over, 0, limit + 2);
        Assert.Equal(LineReader.Result.TooLong, LineReader.TryReadLine(ref start, limit, out _));
        Assert.Equal(limit + 2, start.Length);
    }

    // ----- DataDecoder (the bytes after DATA) -----

    /// <summary>input, output, whether the end was found, whether a bare CR or LF was seen, bytes consumed (-1: all).</summary>
    public static TheoryData<string, string, bool, bool, int> DataCases => new()
    {
        { "Subject: a\r\n\r\nbody\r\n.\r\n", "Subject: a\r\n\r\nbody\r\n", true, false, -1 },
        { ".\r\n", "", true, false, -1 },
        { "..\r\n.\r\n", ".\r\n", true, false, -1 },
        { "a\r\n..b\r\n...\r\n. \r\n.\r\n", "a\r\n.b\r\n..\r\n \r\n", true, false, -1 },
        { "a\r\n.\r\nNOOP\r\n", "a\r\n", true, false, 6 },
        { "a\r\n.\r\n.\r\n", "a\r\n", true, false, 6 },
        { "a\nb\r\n.\r\n", "a\nb\r\n", true, true, -1 },
        { "a\r\n.\n.\r\n", "a\r\n\n", true, true, -1 },
        { "a\rb\r\n.\r\n", "a\rb\r\n", true, true, -1 },
        { "a\r\n.\rb\r\n.\r\n", "a\r\n\rb\r\n", true, true, -1 },
        { "a\r\r\n.\r\n", "a\r\r\n", true, true, -1 },
        { "a\n.\n", "a\n\n", false, true, -1 },
        { "a\r\n.\nQUIT\r\n", "a\r\n\nQUIT\r\n", false, true, -1 },
        { "a\r\n.", "a\r\n", false, false, -1 },
        { "a\r\n.\r", "a\r\n", false, false, -1 },
        { "no end\r\n", "no end\r\n", false, false, -1 },
    };

    private static (byte[] Output, bool Finished, bool Bare, long Consumed) DecodeInReads(byte[] input, params int[] cuts)
    {
        var decoder = new DataDecoder();
        var output = new ArrayBufferWriter<byte>();
        long consumed = 0;
        var start = 0;
        foreach (var end in cuts.Append(input.Length))
        {
            var read = new ReadOnlySequence<byte>(input, start, end - start);
            var (used, finished) = decoder.Decode(read, output);
            consumed += used;
            if (finished) return (output.WrittenSpan.ToArray(), true, decoder.SawBareLineEnding, consumed);
            // Until the end is found every byte offered is taken: the session drops them from the pipe.
            Assert.Equal(read.Length, used);
            start = end;
        }
        return (output.WrittenSpan.ToArray(), false, decoder.SawBareLineEnding, consumed);
    }

    [Theory]
    [MemberData(nameof(DataCases))]
    public void DataDecoder_reads_each_case_the_same_at_every_split_into_reads(string input, string expected, bool finished, bool bare, int consumed)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        var expectedConsumed = consumed < 0 ? bytes.Length : consumed;
        var whole = DecodeInReads(bytes);
        Assert.Equal((expected, finished, bare, (long)expectedConsumed), (Encoding.ASCII.GetString(whole.Output), whole.Finished, whole.Bare, whole.Consumed));
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var split = DecodeInReads(bytes, cut);
            Assert.Equal(whole, split, DecodedComparer.Instance);
            for (var cut2 = cut; cut2 <= bytes.Length; cut2++)
            {
                Assert.Equal(whole, DecodeInReads(bytes, cut, cut2), DecodedComparer.Instance);
            }
        }
        var byteByByte = DecodeInReads(bytes, [.. Enumerable.Range(1, Math.Max(0, bytes.Length - 1))]);
        Assert.Equal(whole, byteByByte, DecodedComparer.Instance);
    }

    [Theory]
    [MemberData(nameof(DataCases))]
    public void DataDecoder_reads_each_case_the_same_whatever_the_segments_of_one_read(string input, string expected, bool finished, bool bare, int consumed)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        var whole = DecodeInReads(bytes);
        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                var decoder = new DataDecoder();
                var output = new ArrayBufferWriter<byte>();
                var (used, done) = decoder.Decode(Segments.Of(bytes, first, second), output);
                Assert.Equal(whole, (output.WrittenSpan.ToArray(), done, decoder.SawBareLineEnding, used), DecodedComparer.Instance);
            }
        }
        Assert.Equal(expected, Encoding.ASCII.GetString(whole.Output));
        Assert.Equal((finished, bare), (whole.Finished, whole.Bare));
        Assert.True(consumed < 0 || consumed == whole.Consumed);
    }

    [Theory]
    [MemberData(nameof(DataCases))]
    public void DataDecoder_on_every_prefix_is_unfinished_until_the_end_and_outputs_a_prefix_of_the_whole(string input, string expected, bool finished, bool bare, int consumed)
    {
        _ = bare;
        var bytes = Encoding.ASCII.GetBytes(input);
        var end = finished ? (consumed < 0 ? bytes.Length : consumed) : int.MaxValue;
        for (var length = 0; length <= bytes.Length; length++)
        {
            var (output, done, _, used) = DecodeInReads(bytes.AsSpan(0, length).ToArray());
            Assert.Equal(length >= end, done);
            Assert.Equal(Math.Min(length, end), used);
            Assert.StartsWith(Encoding.ASCII.GetString(output), expected, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DataDecoder_never_throws_on_any_short_byte_string_of_dots_CRs_LFs_and_letters()
    {
        // Every string of length 6 over the bytes that matter: the state machine has no unhandled corner.
        byte[] alphabet = [(byte)'.', (byte)'\r', (byte)'\n', (byte)'x'];
        var input = new byte[6];
        for (var n = 0; n < 1 << (2 * input.Length); n++)
        {
            for (var i = 0; i < input.Length; i++) input[i] = alphabet[(n >> (2 * i)) & 3];
            var whole = DecodeInReads(input);
            Assert.True(whole.Output.Length <= input.Length);
            for (var cut = 0; cut <= input.Length; cut++)
            {
                Assert.Equal(whole, DecodeInReads(input, cut), DecodedComparer.Instance);
            }
        }
    }

    private sealed class DecodedComparer : IEqualityComparer<(byte[] Output, bool Finished, bool Bare, long Consumed)>
    {
        public static readonly DecodedComparer Instance = new();

        public bool Equals((byte[] Output, bool Finished, bool Bare, long Consumed) x, (byte[] Output, bool Finished, bool Bare, long Consumed) y) =>
            x.Output.AsSpan().SequenceEqual(y.Output) && x.Finished == y.Finished && x.Bare == y.Bare && x.Consumed == y.Consumed;

        public int GetHashCode((byte[] Output, bool Finished, bool Bare, long Consumed) obj) => obj.Output.Length;
    }

    /// <summary>Builds a <see cref="ReadOnlySequence{T}"/> of several segments, as a pipe hands over bytes from several reads.</summary>
    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        /// <summary>The bytes cut at each of <paramref name="cuts"/> (ascending); empty segments included.</summary>
        public static ReadOnlySequence<byte> Of(byte[] bytes, params int[] cuts)
        {
            var bounds = cuts.Append(bytes.Length).ToArray();
            var first = new Segments(bytes.AsMemory(0, bounds[0]), 0);
            var last = first;
            for (var i = 1; i < bounds.Length; i++)
            {
                var next = new Segments(bytes.AsMemory(bounds[i - 1], bounds[i] - bounds[i - 1]), bounds[i - 1]);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
