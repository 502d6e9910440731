using System.Buffers;

namespace Appliance.Protocols;

/// <summary>Finds protocol lines (ending in LF, usually CRLF) in a pipe's buffer without copying.</summary>
public static class LineReader
{
    public enum Result
    {
        /// <summary>A whole line was read; the buffer now starts after its LF.</summary>
        Line,
        /// <summary>No LF yet and the line is still within the limit: read more.</summary>
        NeedMore,
        /// <summary>
        /// The line is over the limit. If its LF was found the buffer now starts after it; if not, the
        /// buffer is unchanged and the caller discards up to the next LF, then answers with an error.
        /// </summary>
        TooLong,
    }

    /// <param name="maxLength">Longest line accepted, not counting its CRLF.</param>
    /// <param name="line">The line without its CRLF (or bare LF).</param>
    public static Result TryReadLine(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out line, (byte)'\n', advancePastDelimiter: true))
        {
            if (!line.IsEmpty && EndsWithCr(line))
            {
                line = line.Slice(0, line.Length - 1);
            }
            buffer = buffer.Slice(reader.Position);
            return line.Length > maxLength ? Result.TooLong : Result.Line;
        }
        line = default;
        // The limit is on the line without its CRLF: a line of exactly maxLength may still be waiting for its LF after the CR.
        return buffer.Length > maxLength + 1 ? Result.TooLong : Result.NeedMore;
    }

    /// <summary>Drops bytes up to and including the next LF; false when none is buffered yet (all was dropped).</summary>
    public static bool SkipLine(ref ReadOnlySequence<byte> buffer)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            buffer = buffer.Slice(buffer.End);
            return false;
        }
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    private static bool EndsWithCr(ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }
}
