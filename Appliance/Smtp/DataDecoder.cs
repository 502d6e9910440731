using System.Buffers;

namespace Appliance.Smtp;

/// <summary>
/// Turns the bytes after DATA into the message: removes dot-stuffing (RFC 5321 §4.5.2) and finds the
/// end, which is only ever <c>CRLF . CRLF</c>. A bare LF or CR is kept but noted, so the message can be
/// refused: accepting <c>LF . LF</c> or <c>LF . CRLF</c> as an end would let a sender smuggle a second
/// message past another server that reads them differently.
/// </summary>
public sealed class DataDecoder
{
    private enum State { LineStart, Dot, DotCr, Middle, Cr }

    private State _state = State.LineStart;

    public bool SawBareLineEnding { get; private set; }

    /// <summary>Decodes as much of <paramref name="input"/> as it can into <paramref name="output"/>.</summary>
    /// <returns>How many input bytes were used and whether the end of data was reached.</returns>
    public (long Consumed, bool Finished) Decode(ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        long consumed = 0;
        foreach (var segment in input)
        {
            var span = segment.Span;
            var destination = output.GetSpan(span.Length + 2);
            var written = 0;
            for (var i = 0; i < span.Length; i++)
            {
                var b = span[i];
                switch (_state)
                {
                    case State.LineStart:
                        if (b == (byte)'.') { _state = State.Dot; break; }
                        written = Emit(destination, written, b);
                        break;
                    case State.Dot:
                        if (b == (byte)'\r') { _state = State.DotCr; break; }
                        // A leading dot was stuffing: drop it and take the byte as the line's first.
                        _state = State.Middle;
                        written = Emit(destination, written, b);
                        break;
                    case State.DotCr:
                        if (b == (byte)'\n')
                        {
                            output.Advance(written);
                            return (consumed + i + 1, true);
                        }
                        // ".\r" then something else: the CR was bare.
                        SawBareLineEnding = true;
                        destination[written++] = (byte)'\r';
                        _state = State.Middle;
                        written = Emit(destination, written, b);
                        break;
                    case State.Middle:
                        written = Emit(destination, written, b);
                        break;
                    case State.Cr:
                        destination[written++] = b;
                        if (b == (byte)'\n') _state = State.LineStart;
                        else if (b == (byte)'\r') SawBareLineEnding = true;
                        else { SawBareLineEnding = true; _state = State.Middle; }
                        break;
                }
            }
            output.Advance(written);
            consumed += span.Length;
        }
        return (consumed, false);
    }

    private int Emit(Span<byte> destination, int written, byte b)
    {
        destination[written++] = b;
        if (b == (byte)'\r') _state = State.Cr;
        else if (b == (byte)'\n') { SawBareLineEnding = true; _state = State.LineStart; }
        else _state = State.Middle;
        return written;
    }
}
