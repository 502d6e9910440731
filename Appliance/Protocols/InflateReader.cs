using System.Buffers;
using System.IO.Pipelines;

namespace Appliance.Protocols;

/// <summary>
/// The receiving half of a compressed connection (IMAP COMPRESS=DEFLATE, RFC 4978): the client's raw deflate
/// stream (RFC 1951) in, plain bytes out. The stream may refer back up to 32 KiB into what the client sent
/// before, so between commands only that much of the past is needed, not an inflater: when inflate stops at a
/// block boundary with every byte taken (as a client's Z_SYNC_FLUSH or Z_FULL_FLUSH after each command leaves
/// it), the inflater's window is copied out (at most 32 KiB, and no more than the client has sent) and the
/// inflater goes back to <see cref="ZlibPool"/>; the next bytes get a pooled inflater, reset, with that window
/// as its dictionary (zlib.h: for raw inflate, inflateSetDictionary may be called at any time). A stream
/// that stops elsewhere keeps its inflater.
/// At most <see cref="Chunk"/> plain bytes are made per read and more only once the session has looked at
/// them, so a small input that inflates to gigabytes meets the session's line and literal limits chunk by
/// chunk. Invalid data, or anything after a final block, is an <see cref="IOException"/>: the session ends.
/// </summary>
internal sealed class InflateReader(PipeReader inner, ZlibPool pool) : PipeReader, IDisposable
{
    /// <summary>Plain bytes made at most per read.</summary>
    public const int Chunk = 16 * 1024;

    private byte[]? _buffer;
    private int _start;
    private int _end;
    private int _examined;
    private ZStreamHandle? _inflater;
    private byte[]? _window;
    private bool _finished;
    private bool _innerCompleted;
    // The last inflate filled its chunk: zlib may hold more output although every input byte is taken.
    private bool _pending;
    // Where the chunk of this read ends in the buffer, over all the segments of the input.
    private int _limit;

    /// <summary>Whether an inflater is held now (false between commands at a block boundary), for tests.</summary>
    public bool HoldsInflater => _inflater is not null;

    /// <summary>Bytes kept for the next inflater's dictionary, for tests.</summary>
    public int WindowLength => _window?.Length ?? 0;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_end > _examined || _innerCompleted || (_pending && Drain()))
            {
                return Result(canceled: false);
            }
            var read = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
            var made = Take(read);
            if (made || read.IsCanceled || _innerCompleted)
            {
                return Result(read.IsCanceled);
            }
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_end > _examined || _innerCompleted || (_pending && Drain()))
        {
            result = Result(canceled: false);
            return true;
        }
        if (inner.TryRead(out var read) && (Take(read) || read.IsCanceled || _innerCompleted))
        {
            result = Result(read.IsCanceled);
            return true;
        }
        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_buffer is null)
        {
            return;
        }
        // Positions in a sequence over one array are indexes into that array.
        var at = consumed.GetInteger();
        var seen = examined.GetInteger();
        if (!ReferenceEquals(consumed.GetObject(), _buffer) || at < _start || at > _end || seen < at || seen > _end)
        {
            throw new InvalidOperationException("Position outside the buffer handed out");
        }
        _start = at;
        _examined = seen;
        if (_start == _end)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = _examined = 0;
        }
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        Release();
        inner.Complete(exception);
    }

    /// <summary>Gives the inflater and the buffer back (the session has ended).</summary>
    public void Dispose() => Release();

    private ReadResult Result(bool canceled) =>
        new(_buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start), canceled, _innerCompleted && !_pending);

    /// <summary>Inflates what the connection has brought, up to one chunk; true if plain bytes came of it.</summary>
    private bool Take(ReadResult read)
    {
        var input = read.Buffer;
        var before = _end;
        var consumed = input.Start;
        var full = false;
        try
        {
            if (!input.IsEmpty)
            {
                (consumed, full) = Inflate(input);
            }
        }
        finally
        {
            // Examined to the end unless the chunk filled up first: then the rest is read again at once.
            inner.AdvanceTo(consumed, full ? consumed : input.End);
        }
        if (read.IsCompleted && !full)
        {
            _innerCompleted = true;
        }
        return _end > before;
    }

    private (SequencePosition Consumed, bool Full) Inflate(ReadOnlySequence<byte> input)
    {
        if (_finished)
        {
            throw new IOException("Compressed data after the end of the client's deflate stream");
        }
        MakeRoom();
        var position = input.Start;
        var full = false;
        long total = 0;
        foreach (var segment in input)
        {
            var taken = Run(segment.Span);
            total += taken;
            position = input.GetPosition(taken, position);
            if (taken < segment.Length)
            {
                if (_finished)
                {
                    throw new IOException("Compressed data after the end of the client's deflate stream");
                }
                full = true;
                break;
            }
            if (_pending)
            {
                break;
            }
        }
        // A segment may end exactly where the chunk filled up: the next segments wait for the next read.
        full |= total < input.Length;
        if (!_pending && !_finished)
        {
            GiveBackAtBoundary();
        }
        return (position, full);
    }

    /// <summary>The rest of what zlib held back when the last chunk filled up; true if plain bytes came of it.</summary>
    private bool Drain()
    {
        var before = _end;
        MakeRoom();
        Run([]);
        if (!_pending && !_finished)
        {
            GiveBackAtBoundary();
        }
        return _end > before;
    }

    /// <summary>Inflates <paramref name="source"/> into the buffer until it is taken or a chunk is made; returns the bytes taken.</summary>
    private unsafe int Run(ReadOnlySpan<byte> source)
    {
        var inflater = Inflater();
        var stream = inflater.Stream;
        var limit = _limit;
        fixed (byte* input = source)
        fixed (byte* target = _buffer)
        {
            stream->NextIn = input;
            stream->AvailIn = (uint)source.Length;
            while (_end < limit && !_finished)
            {
                stream->NextOut = target + _end;
                stream->AvailOut = (uint)(limit - _end);
                var inBefore = stream->AvailIn;
                // Z_BLOCK: inflate stops at each block boundary, so that the state there can be seen.
                var result = ZlibNative.Inflate(inflater, ZlibNative.Block);
                var made = limit - (int)stream->AvailOut - _end;
                _end += made;
                if (result == ZlibNative.StreamEnd)
                {
                    _finished = true;
                }
                else if (result is not (ZlibNative.Ok or ZlibNative.BufError))
                {
                    // Z_DATA_ERROR, or Z_NEED_DICT, which a raw stream cannot ask for.
                    throw new IOException($"Invalid compressed data from the client (zlib {result})");
                }
                if (stream->AvailIn == 0 && (made == 0 || result == ZlibNative.BufError) || (made == 0 && stream->AvailIn == inBefore))
                {
                    break;
                }
            }
            var taken = source.Length - (int)stream->AvailIn;
            stream->NextIn = null;
            stream->NextOut = null;
            _pending = _end == limit && !_finished;
            return taken;
        }
    }

    private unsafe ZStreamHandle Inflater()
    {
        if (_inflater is not null)
        {
            return _inflater;
        }
        var inflater = pool.RentInflater();
        if (_window is not null)
        {
            int result;
            fixed (byte* window = _window)
            {
                result = ZlibNative.InflateSetDictionary(inflater, window, (uint)_window.Length);
            }
            if (result != ZlibNative.Ok)
            {
                pool.Return(inflater);
                throw new InvalidOperationException($"zlib inflateSetDictionary failed ({result})");
            }
            _window = null;
        }
        return _inflater = inflater;
    }

    /// <summary>
    /// Every byte taken: if inflate stands at a block boundary (zlib.h: data_type bit 7, "returned immediately after
    /// decoding an end-of-block code", and then fewer than eight unused bits), byte-aligned (none unused), keep
    /// only its window and give the inflater back.
    /// </summary>
    private unsafe void GiveBackAtBoundary()
    {
        var inflater = _inflater!;
        var state = inflater.Stream->DataType;
        if ((state & 128) == 0 || (state & 7) != 0)
        {
            return;
        }
        uint length = 0;
        if (ZlibNative.InflateGetDictionary(inflater, null, &length) != ZlibNative.Ok)
        {
            return;
        }
        var window = length == 0 ? null : new byte[length];
        if (window is not null)
        {
            fixed (byte* target = window)
            {
                if (ZlibNative.InflateGetDictionary(inflater, target, &length) != ZlibNative.Ok)
                {
                    return;
                }
            }
        }
        _window = window;
        _inflater = null;
        pool.Return(inflater);
    }

    /// <summary>A buffer with room for one chunk after what the session has not consumed yet.</summary>
    private void MakeRoom()
    {
        var kept = _end - _start;
        if (_buffer is not null && _buffer.Length - _end >= Chunk)
        {
            _limit = _end + Chunk;
            return;
        }
        if (_buffer is not null && _buffer.Length - kept >= Chunk)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, kept);
        }
        else
        {
            var bigger = ArrayPool<byte>.Shared.Rent(kept + Chunk);
            if (_buffer is not null)
            {
                Buffer.BlockCopy(_buffer, _start, bigger, 0, kept);
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = bigger;
        }
        _examined -= _start;
        _end = kept;
        _start = 0;
        _limit = _end + Chunk;
    }

    private void Release()
    {
        if (_inflater is not null)
        {
            pool.Return(_inflater);
            _inflater = null;
        }
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _start = _end = _examined = 0;
        _window = null;
    }
}
