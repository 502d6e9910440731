using System.Buffers;
using System.Text;
using Appliance.Protocols;

namespace Appliance.Imap.Parsing;

/// <summary>What <see cref="ImapCommandReader"/> found.</summary>
public enum FrameKind
{
    /// <summary>A whole command, literals included.</summary>
    Command,
    /// <summary>A line over the limit: answered BAD, the line skipped.</summary>
    LineTooLong,
    /// <summary>A synchronizing literal over the limit: answered NO [TOOBIG], the client sends no data.</summary>
    LiteralTooLarge,
    /// <summary>A non-synchronizing literal over the limit: the data is coming anyway, so the session ends (RFC 7888 §4).</summary>
    FatalLiteralTooLarge,
    /// <summary>
    /// A non-synchronizing literal over LITERAL-'s 4096 octets when LITERAL+ is off: its data and the rest of the command
    /// were read and discarded, to be answered BAD [TOOBIG] (RFC 7888 §5).
    /// </summary>
    NonSyncLiteralTooLarge,
    /// <summary>The client closed the connection.</summary>
    End,
    /// <summary>The wake task finished before a command began (NOTIFY has something to tell).</summary>
    Woken,
    /// <summary>The client was silent for the whole idle timeout.</summary>
    TimedOut,
}

/// <summary>One frame; <see cref="Spool"/> holds an APPEND's literals kept on disk, to be disposed after the command.</summary>
public readonly record struct ImapFrame(FrameKind Kind, ReadOnlyMemory<byte> Bytes, string? Tag, LiteralSpool? Spool = null);

/// <summary>
/// Reads whole commands from the connection: a line, and when it ends with a literal's size
/// (<c>{n}</c>, RFC 7888's <c>{n+}</c>, RFC 3516's <c>~{n}</c>) the n octets that follow and the rest of the
/// command, as often as it takes. For a synchronizing literal it asks the session to send the continuation
/// request first. Limits: <see cref="ImapOptions.MaxLineLength"/> per line, <see cref="ImapOptions.MaxLiteralSize"/>
/// per literal and in all, except in APPEND, whose literals may add up to <see cref="ImapOptions.MaxAppendSize"/>
/// (MULTIAPPEND, RFC 3502). An APPEND's literals above <see cref="SpoolThreshold"/>, and all of them once the
/// command holds <see cref="InMemoryLimit"/> in memory, go to a <see cref="LiteralSpool"/> on disk.
/// </summary>
/// <param name="spoolDirectory">Where APPEND literals are spooled; null keeps everything in memory (tests of framing).</param>
public sealed class ImapCommandReader(ImapOptions options, string? spoolDirectory = null)
{
    /// <summary>Literals of a client that has not signed in: a user name and a password, never a message.</summary>
    public const long PreAuthLiteralLimit = 8192;

    /// <summary>RFC 7888 §5: the largest non-synchronizing literal LITERAL- allows.</summary>
    public const long LiteralMinusLimit = 4096;

    /// <summary>An APPEND literal above this goes to disk: 64 KiB keeps short messages and mailbox names in memory.</summary>
    public const int SpoolThreshold = 64 * 1024;

    /// <summary>Literal octets one APPEND may keep in memory before even small ones are spooled: many small messages stay bounded too.</summary>
    public const int InMemoryLimit = 1024 * 1024;

    /// <param name="idleTimeout">How long the client may be silent, for each line and each literal (the session's idle timer).</param>
    /// <param name="wake">Ends the wait for a command's first line when it finishes first (<see cref="FrameKind.Woken"/>); never in the middle of one.</param>
    public async Task<ImapFrame> ReadAsync(SessionLoop loop, Func<Task> continueLiteral, TimeSpan idleTimeout, bool authenticated = true, Task? wake = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(continueLiteral);
        var command = new ArrayBufferWriter<byte>();
        long literals = 0;
        long inMemory = 0;
        LiteralSpool? spool = null;
        var limit = authenticated ? options.MaxLiteralSize : Math.Min(PreAuthLiteralLimit, options.MaxLiteralSize);
        var total = limit;
        try
        {
            while (true)
            {
                var line = await loop.ReadLineAsync(options.MaxLineLength, idleTimeout, command.WrittenCount == 0 ? wake : null).ConfigureAwait(false);
                if (line.Status == LineStatus.Woken)
                {
                    return new ImapFrame(FrameKind.Woken, default, null);
                }
                if (line.Status == LineStatus.Ended)
                {
                    return new ImapFrame(FrameKind.End, default, null);
                }
                if (line.Bytes is not { } bytes)
                {
                    return new ImapFrame(FrameKind.LineTooLong, default, command.WrittenCount > 0 ? TagOf(command.WrittenSpan) : null);
                }
                if (command.WrittenCount == 0 && authenticated && spoolDirectory is not null && IsAppend(bytes))
                {
                    spool = new LiteralSpool(spoolDirectory);
                    total = Math.Max(options.MaxAppendSize, limit);
                }
                command.Write(bytes);
                if (!TryLiteralSize(bytes, out var size, out var synchronizing))
                {
                    var frame = new ImapFrame(FrameKind.Command, command.WrittenMemory, null, spool);
                    spool = null;
                    return frame;
                }
                command.Write("\r\n"u8);
                literals += size;
                if (size > limit || literals > total)
                {
                    var tag = TagOf(command.WrittenSpan);
                    return new ImapFrame(synchronizing ? FrameKind.LiteralTooLarge : FrameKind.FatalLiteralTooLarge, default, tag);
                }
                if (!synchronizing && !options.LiteralPlus && size > LiteralMinusLimit)
                {
                    return await DiscardAsync(loop, TagOf(command.WrittenSpan), size, total - literals, idleTimeout).ConfigureAwait(false);
                }
                if (synchronizing)
                {
                    await continueLiteral().ConfigureAwait(false);
                }
                if (spool is not null && (size > SpoolThreshold || inMemory + size > InMemoryLimit))
                {
                    var start = spool.Begin();
                    var hasNul = false;
                    async ValueTask Sink(ReadOnlyMemory<byte> chunk)
                    {
                        hasNul |= chunk.Span.Contains((byte)0);
                        await spool.WriteAsync(chunk, loop.Cancellation).ConfigureAwait(false);
                    }
                    if (!await loop.ReadExactlyAsync(Sink, size, idleTimeout).ConfigureAwait(false))
                    {
                        return new ImapFrame(FrameKind.End, default, null);
                    }
                    spool.End(start, hasNul, command.WrittenCount);
                    continue;
                }
                inMemory += size;
                if (!await loop.ReadExactlyAsync(command, size, idleTimeout).ConfigureAwait(false))
                {
                    return new ImapFrame(FrameKind.End, default, null);
                }
            }
        }
        finally
        {
            // Whatever did not reach a command (a client that vanished mid-MULTIAPPEND, a refused literal) is deleted here.
            if (spool is not null)
            {
                await spool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether a command's first line is <c>tag SP "APPEND" SP</c>.</summary>
    private static bool IsAppend(ReadOnlySpan<byte> line)
    {
        var space = line.IndexOf((byte)' ');
        if (space < 0)
        {
            return false;
        }
        var rest = line[(space + 1)..];
        return rest.Length > 7 && System.Text.Ascii.EqualsIgnoreCase(rest[..6], "APPEND"u8) && rest[6] == ' ';
    }

    /// <summary>
    /// Reads and drops an oversized non-synchronizing literal and what follows it of the command, so that the session
    /// stays in step: further non-synchronizing literals within <paramref name="allowance"/> are dropped too; at a
    /// synchronizing one the client waits for a continuation that does not come, and the BAD ends its command.
    /// </summary>
    private async Task<ImapFrame> DiscardAsync(SessionLoop loop, string? tag, long size, long allowance, TimeSpan idleTimeout)
    {
        var sink = new DiscardWriter();
        while (true)
        {
            if (!await loop.ReadExactlyAsync(sink, size, idleTimeout).ConfigureAwait(false))
            {
                return new ImapFrame(FrameKind.End, default, null);
            }
            var line = await loop.ReadLineAsync(options.MaxLineLength, idleTimeout).ConfigureAwait(false);
            if (line.Status == LineStatus.Ended)
            {
                return new ImapFrame(FrameKind.End, default, null);
            }
            if (line.Bytes is not { } bytes || !TryLiteralSize(bytes, out size, out var synchronizing) || synchronizing)
            {
                return new ImapFrame(FrameKind.NonSyncLiteralTooLarge, default, tag);
            }
            allowance -= size;
            if (allowance < 0)
            {
                return new ImapFrame(FrameKind.FatalLiteralTooLarge, default, tag);
            }
        }
    }

    /// <summary>Takes bytes and keeps none: one small buffer, written over.</summary>
    private sealed class DiscardWriter : IBufferWriter<byte>
    {
        private readonly byte[] _buffer = new byte[16 * 1024];

        public void Advance(int count)
        {
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => sizeHint <= _buffer.Length ? _buffer : new byte[sizeHint];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }

    /// <summary>Whether a line ends with <c>{n}</c> or <c>{n+}</c>.</summary>
    internal static bool TryLiteralSize(ReadOnlySpan<byte> line, out long size, out bool synchronizing)
    {
        size = 0;
        synchronizing = true;
        if (line.Length < 3 || line[^1] != '}')
        {
            return false;
        }
        var end = line.Length - 1;
        if (line[end - 1] == '+')
        {
            synchronizing = false;
            end--;
        }
        var start = end;
        while (start > 0 && char.IsAsciiDigit((char)line[start - 1]))
        {
            start--;
        }
        if (start == end || start == 0 || line[start - 1] != '{' || end - start > 18)
        {
            return false;
        }
        foreach (var b in line[start..end])
        {
            size = size * 10 + (b - '0');
        }
        return true;
    }

    /// <summary>The tag at the start of a command, for a response to a command that was not read whole.</summary>
    private static string? TagOf(ReadOnlySpan<byte> command)
    {
        var space = command.IndexOf((byte)' ');
        var tag = space > 0 ? command[..space] : command;
        return tag.Length is > 0 and <= 64 ? Encoding.ASCII.GetString(tag) : null;
    }
}
