using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Appliance.Dns;
using Appliance.Imap;
using Appliance.Imap.Commands;
using Appliance.Imap.Parsing;
using Appliance.Mime;
using Appliance.Pop3;
using Appliance.Protocols;
using Appliance.Smtp;
using Appliance.Smtp.Parsing;
using Appliance.Web.Mail;

namespace Appliance.Tests.Fuzz;

/// <summary>
/// The fuzz targets: what bench/Fuzz runs under AFL++ and what <see cref="FuzzRegressionTests"/> runs over every kept
/// input, so that a regression test exercises exactly what the fuzzer did (this file is compiled into both).
/// A target feeds hostile bytes to one parser the way its session does, treats the parser's documented
/// "malformed" outcome as normal (a false TryParse, <see cref="ImapSyntaxException"/>) and lets anything else
/// escape as a crash. <see cref="Run"/> also turns an allocation out of proportion to the input into a crash.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets by the name bench/fuzz.sh and the TestData/Fuzz folders use.</summary>
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["mime"] = Mime,
        ["imap"] = Imap,
        ["smtp"] = Smtp,
        ["pop3"] = Pop3,
        ["dns"] = Dns,
        ["html"] = Html,
    };

    /// <summary>
    /// The allocation one input may cost: a fixed 16 MiB for the parsers' own tables, buffers and AngleSharp's
    /// DOM, plus 1 KiB per input byte, or 4 KiB for the HTML sanitizer, which parses the input four times
    /// (two sanitizings of two passes each) and was measured at up to 1.7 KiB per byte on a run of unclosed
    /// &lt;p&gt; elements. The protocol and MIME parsers stay under 150 bytes per byte on the seeds and on
    /// large crafted inputs (docs/fuzzing.md). More than that grows faster than the input: the "unbounded
    /// allocation" the fuzzer looks for.
    /// </summary>
    public static long AllocationBudget(string target, int inputLength) => (16L << 20) + (target == "html" ? 4096L : 1024L) * inputLength;

    /// <summary>Runs a target over one input; throws <see cref="FuzzBudgetException"/> past <see cref="AllocationBudget"/>.</summary>
    public static long Run(string target, byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var before = GC.GetAllocatedBytesForCurrentThread();
        All[target](input);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Check(target, input.Length, allocated);
        return allocated;
    }

    /// <summary>Throws <see cref="FuzzBudgetException"/> when <paramref name="allocated"/> is over the budget for the input's length.</summary>
    public static void Check(string target, int inputLength, long allocated)
    {
        if (allocated > AllocationBudget(target, inputLength))
        {
            throw new FuzzBudgetException($"{target}: {allocated:N0} bytes allocated for an input of {inputLength:N0} bytes (budget {AllocationBudget(target, inputLength):N0})");
        }
    }

    /// <summary>
    /// The input as a pipe's buffer would hold it, once in one segment and once cut into 61-byte segments,
    /// so that code which works only on a buffer's first span is caught too.
    /// </summary>
    private static IEnumerable<ReadOnlySequence<byte>> Buffers(byte[] input)
    {
        yield return new ReadOnlySequence<byte>(input);
        yield return Segmented(input, 61);
    }

    private static ReadOnlySequence<byte> Segmented(byte[] input, int size)
    {
        if (input.Length <= size)
        {
            return new ReadOnlySequence<byte>(input);
        }
        var first = new Segment(input.AsMemory(0, size), 0);
        var last = first;
        for (var i = size; i < input.Length; i += size)
        {
            last = last.Append(input.AsMemory(i, Math.Min(size, input.Length - i)));
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>
    /// A stored or received message: the parse and everything IMAP FETCH and the webmail read from it
    /// (headers decoded, addresses, date, ENVELOPE, BODYSTRUCTURE, each part's decoded content and text,
    /// and the usual sections).
    /// </summary>
    public static void Mime(byte[] input)
    {
        var message = MimeMessage.Parse(input);
        _ = message.Subject;
        _ = message.From;
        _ = message.To;
        _ = message.Cc;
        _ = message.MessageId;
        _ = message.Date;
        _ = message.GetEnvelope().ToImapString();
        _ = message.GetBodyStructure().ToImapString();
        foreach (var entity in message.Entities)
        {
            foreach (var field in entity.Headers)
            {
                _ = field.DecodedValue;
            }
            _ = entity.ContentDisposition;
            _ = entity.FileName;
            _ = entity.ContentDescription;
            if (!entity.IsMultipart)
            {
                _ = entity.GetText();
            }
        }
        foreach (var section in (string[])["HEADER", "TEXT", "1", "1.MIME", "1.HEADER", "2", "1.1", "2.TEXT", "HEADER.FIELDS (SUBJECT FROM)"])
        {
            _ = message.TryGetSection(section, out _);
        }
        _ = message.ToArray();
    }

    /// <summary>
    /// A client's bytes: the command reader frames them (lines, synchronizing and non-synchronizing literals,
    /// the limits) and each command goes through the grammar its command uses. A syntax error is the BAD
    /// answer a client gets, so it is normal; the reader must also always end (the pipe completes).
    /// </summary>
    public static void Imap(byte[] input)
    {
        // Small limits, so that the fuzzer reaches the over-limit paths with small inputs.
        var reader = new ImapCommandReader(new ImapOptions { MaxLineLength = 200, MaxLiteralSize = 4096 });
        foreach (var buffer in Buffers(input))
        {
            var pipe = new SessionLoop(new Pipes(PipeReader.Create(buffer), PipeWriter.Create(Stream.Null)), isTls: false, certificates: null, CancellationToken.None);
            // Each frame consumes at least one byte, so there are at most as many frames as bytes (and one End).
            for (var frames = 0; frames <= input.Length + 1; frames++)
            {
                // The pipe is in memory and complete, so the read finishes synchronously.
                var frame = reader.ReadAsync(pipe, () => Task.CompletedTask, Timeout.InfiniteTimeSpan, authenticated: frames % 2 == 0).GetAwaiter().GetResult();
                if (frame.Kind == FrameKind.End)
                {
                    break;
                }
                if (frames > input.Length)
                {
                    throw new InvalidOperationException("The IMAP command reader did not reach the end of a complete input");
                }
                if (frame.Kind == FrameKind.Command)
                {
                    try
                    {
                        ImapCommand(frame.Bytes);
                    }
                    catch (ImapSyntaxException)
                    {
                        // BAD: the answer to a malformed command.
                    }
                }
            }
        }
    }

    private sealed record Pipes(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>One command through the grammar that ImapSession and its command classes read.</summary>
    private static void ImapCommand(ReadOnlyMemory<byte> bytes)
    {
        var args = new ImapParser(bytes);
        args.ReadTag();
        args.ReadSpace();
        var name = args.ReadAtom();
        var uid = name == "UID";
        if (uid)
        {
            args.ReadSpace();
            name = args.ReadAtom();
        }
        switch (name)
        {
            // The commands with typed arguments go through the same pure parsers the commands run (Imap/Parsing).
            case "FETCH":
                FetchArguments.Parse(args, uid);
                break;
            case "STORE":
                StoreArguments.Parse(args, uid);
                break;
            case "COPY" or "MOVE":
                CopyArguments.Parse(args, uid, move: name == "MOVE");
                break;
            case "STATUS":
                StatusArguments.Parse(args);
                break;
            case "APPEND":
                AppendArguments.Parse(args);
                break;
            case "LIST" or "LSUB":
                ListArguments.Parse(args, lsub: name == "LSUB");
                break;
            case "SEARCH":
                SearchArguments.Parse(args, uid);
                break;
            case "LOGIN":
                args.ReadSpace();
                args.ReadAString();
                args.ReadSpace();
                args.ReadAString();
                break;
            case "SELECT" or "EXAMINE" or "CREATE" or "DELETE" or "SUBSCRIBE" or "UNSUBSCRIBE" or "GETQUOTAROOT" or "MYRIGHTS" or "GETACL":
                args.ReadSpace();
                ImapSession.DecodeMailbox(args.ReadAString());
                break;
            case "RENAME":
                args.ReadSpace();
                ImapSession.DecodeMailbox(args.ReadAString());
                args.ReadSpace();
                ImapSession.DecodeMailbox(args.ReadAString());
                break;
            case "ID":
                args.ReadSpace();
                if (args.NextIsWord("NIL"))
                {
                    args.ReadNString();
                    break;
                }
                args.Expect('(');
                while (!args.TryRead(')'))
                {
                    args.TrySpace();
                    args.ReadNString();
                }
                break;
            default:
                while (args.TrySpace())
                {
                    ImapToken(args);
                }
                break;
        }
        args.ExpectEnd();
    }

    private static void ImapToken(ImapParser args)
    {
        if (args.NextIs('"') || args.NextIs('{'))
        {
            args.ReadStringBytes();
        }
        else if (args.TryRead('('))
        {
            while (!args.TryRead(')'))
            {
                args.TrySpace();
                ImapToken(args);
            }
        }
        else if (args.NextIs('$') || args.NextIs('*'))
        {
            args.ReadSequenceSet();
        }
        else if (args.NextIs('\\'))
        {
            args.ReadFlag();
        }
        else
        {
            var atom = args.ReadAtom(upper: false);
            if (atom.Length > 0 && char.IsAsciiDigit(atom[0]) && atom.Contains('-', StringComparison.Ordinal))
            {
                new ImapParser(Encoding.ASCII.GetBytes(atom)).ReadDate();
            }
            else if (atom.Length > 0 && char.IsAsciiDigit(atom[0]))
            {
                new ImapParser(Encoding.ASCII.GetBytes(atom)).ReadSequenceSet();
            }
        }
    }

    /// <summary>
    /// A client's bytes as SmtpSession reads them: lines (with the command-length limit), the command split,
    /// MAIL FROM and RCPT TO paths, and after DATA the dot-unstuffing decoder over the rest.
    /// </summary>
    public static void Smtp(byte[] input)
    {
        var options = new SmtpOptions();
        foreach (var whole in Buffers(input))
        {
            var buffer = whole;
            var lines = new LineSplitter();
            DataDecoder? data = null;
            for (var steps = 0; steps <= input.Length + 1 && !buffer.IsEmpty; steps++)
            {
                if (data is not null)
                {
                    var output = new ArrayBufferWriter<byte>((int)Math.Min(buffer.Length + 2, 1 << 20));
                    var (consumed, finished) = data.Decode(buffer, output);
                    // Unstuffing only removes bytes; a CR held back over a call boundary is the one it may add.
                    if (consumed > buffer.Length || output.WrittenCount > consumed + 1)
                    {
                        throw new InvalidOperationException("The DATA decoder consumed or wrote more than it was given");
                    }
                    buffer = buffer.Slice(consumed);
                    data = finished ? null : data;
                    if (!finished)
                    {
                        break;
                    }
                    continue;
                }
                var outcome = lines.Next(ref buffer, options.MaxCommandLength, out var line);
                if (outcome == LineReader.Result.NeedMore)
                {
                    break;
                }
                if (outcome == LineReader.Result.TooLong)
                {
                    continue;
                }
                var command = SmtpCommand.Parse(line);
                switch (command.Verb)
                {
                    case "MAIL":
                        PathParser.TryParse(command.Arguments, "FROM", allowNull: true, out _);
                        break;
                    case "RCPT":
                        PathParser.TryParse(command.Arguments, "TO", allowNull: false, out _);
                        break;
                    case "VRFY":
                        Appliance.Mime.Rfc5321Address.TryParseMailbox(command.Arguments, out _);
                        break;
                    case "DATA":
                        data = new DataDecoder();
                        break;
                }
            }
        }
    }

    /// <summary>A client's bytes as Pop3Session reads them: lines, the command split, its parameters and message numbers.</summary>
    public static void Pop3(byte[] input)
    {
        var options = new Pop3Options();
        foreach (var whole in Buffers(input))
        {
            var buffer = whole;
            var lines = new LineSplitter();
            for (var steps = 0; steps <= input.Length + 1 && !buffer.IsEmpty; steps++)
            {
                var outcome = lines.Next(ref buffer, options.MaxLineLength, out var line);
                if (outcome == LineReader.Result.NeedMore)
                {
                    break;
                }
                if (outcome == LineReader.Result.TooLong)
                {
                    continue;
                }
                var command = Pop3Command.Parse(line);
                foreach (var parameter in command.Params)
                {
                    Pop3Command.TryParseNumber(parameter, out _);
                }
            }
        }
    }

    /// <summary>A DNS reply from the network (an attacker who can race the resolver's answer controls it).</summary>
    public static void Dns(byte[] input)
    {
        DnsMessageReader.TryReadHeader(input, out _, out _);
        DnsMessageReader.TryRead(input, out _);
    }

    /// <summary>An HTML body as the webmail shows it: sanitized with remote images blocked, and with a cid: resolver.</summary>
    public static void Html(byte[] input)
    {
        var html = Encoding.UTF8.GetString(input);
        HtmlSanitizer.Sanitize(html, new SanitizeOptions());
        HtmlSanitizer.Sanitize(html, new SanitizeOptions { AllowRemoteImages = true, ResolveContentId = id => id.Length < 8 ? "/part/" + id : null });
    }
}

/// <summary>A target allocated more than <see cref="FuzzTargets.AllocationBudget"/> for one input.</summary>
public sealed class FuzzBudgetException(string message) : Exception(message);
