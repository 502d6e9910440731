using System.Buffers;

namespace Appliance.Pop3;

/// <summary>
/// Turns a stored message into the body of a multi-line response (RFC 1939 §3): every line ends in
/// CRLF, a line that starts with "." gets another in front, and a last line without a break gets one.
/// Stored messages keep the bytes they arrived with, bare LF included, so LF alone ends a line here; a
/// CR not followed by LF is data and passes unchanged, except at the very end, where it ends the line.
/// For TOP it stops after the header, the blank line and the first <c>bodyLines</c> lines of the body.
/// Pure: no I/O, fed in chunks of any size.
/// </summary>
public sealed class MessageEncoder
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private readonly bool _dotStuff;
    private readonly int _bodyLines;
    private bool _lineStart = true;
    private bool _pendingCr;
    private bool _inBody;
    private int _bodyLinesDone;

    /// <param name="dotStuff">false to measure the message as sent, since RFC 1939 sizes do not count stuffing.</param>
    /// <param name="bodyLines">For TOP: body lines to send after the header; -1 for the whole message.</param>
    public MessageEncoder(bool dotStuff = true, int bodyLines = -1)
    {
        _dotStuff = dotStuff;
        _bodyLines = bodyLines;
    }

    /// <summary>True once TOP has what it asked for; further input is ignored.</summary>
    public bool IsDone { get; private set; }

    public void Encode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!input.IsEmpty && !IsDone)
        {
            if (_pendingCr)
            {
                _pendingCr = false;
                if (input[0] == (byte)'\n')
                {
                    input = input[1..];
                    EndLine(output);
                    continue;
                }
                Content("\r"u8, output);
            }
            var stop = input.IndexOfAny((byte)'\r', (byte)'\n');
            var run = stop < 0 ? input : input[..stop];
            if (!run.IsEmpty)
            {
                Content(run, output);
                input = input[run.Length..];
            }
            if (stop < 0)
            {
                break;
            }
            if (input[0] == (byte)'\n')
            {
                EndLine(output);
            }
            else
            {
                _pendingCr = true;
            }
            input = input[1..];
        }
    }

    /// <summary>Ends the last line if the message did not; the caller then writes the terminating ".CRLF".</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (IsDone)
        {
            return;
        }
        if (_pendingCr || !_lineStart)
        {
            _pendingCr = false;
            EndLine(output);
        }
        IsDone = true;
    }

    private void Content(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        if (_lineStart)
        {
            _lineStart = false;
            if (_dotStuff && bytes[0] == (byte)'.')
            {
                output.Write("."u8);
            }
        }
        output.Write(bytes);
    }

    private void EndLine(IBufferWriter<byte> output)
    {
        output.Write(Crlf);
        if (!_inBody)
        {
            // RFC 5322 §2.1: the first empty line ends the header; TOP counts lines after it.
            _inBody = _lineStart;
            if (_inBody && _bodyLines == 0)
            {
                IsDone = true;
            }
        }
        else if (_bodyLines >= 0 && ++_bodyLinesDone >= _bodyLines)
        {
            IsDone = true;
        }
        _lineStart = true;
    }

    /// <summary>Octets of the message as RETR sends it, without the stuffing and the terminator (RFC 1939 §5 LIST).</summary>
    public static async Task<long> MeasureAsync(Stream message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var encoder = new MessageEncoder(dotStuff: false);
        var counter = new CountingWriter();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await message.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                encoder.Encode(buffer.AsSpan(0, read), counter);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        encoder.Complete(counter);
        return counter.Count;
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> that only counts what is written into one scratch buffer.</summary>
    private sealed class CountingWriter : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[4096];

        public long Count { get; private set; }

        public void Advance(int count) => Count += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint).Span;

        private Memory<byte> Scratch(int sizeHint)
        {
            if (sizeHint > _scratch.Length)
            {
                _scratch = new byte[sizeHint];
            }
            return _scratch;
        }
    }
}
