using System.Buffers;

namespace Appliance.Protocols;

/// <summary>
/// Takes a connection's lines one after another. An overlong line whose end has not arrived is dropped
/// as it streams in, and reported once, as <see cref="LineReader.Result.TooLong"/>, when its end has
/// been consumed, so that the client gets one error for it and the next line is read normally.
/// One per connection: it remembers whether it is in the middle of dropping a line.
/// </summary>
public sealed class LineSplitter
{
    private bool _skipping;

    /// <summary>Like <see cref="LineReader.TryReadLine"/>, but TooLong always leaves the buffer after the overlong line.</summary>
    public LineReader.Result Next(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        line = default;
        if (_skipping)
        {
            if (!LineReader.SkipLine(ref buffer))
            {
                return LineReader.Result.NeedMore;
            }
            _skipping = false;
            return LineReader.Result.TooLong;
        }
        var before = buffer.Length;
        var outcome = LineReader.TryReadLine(ref buffer, maxLength, out line);
        if (outcome == LineReader.Result.TooLong && buffer.Length == before)
        {
            // No end in sight: drop what we have and the rest of the line as it comes.
            buffer = buffer.Slice(buffer.End);
            _skipping = true;
            return LineReader.Result.NeedMore;
        }
        return outcome;
    }
}
