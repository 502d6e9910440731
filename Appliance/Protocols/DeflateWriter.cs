using System.Buffers;
using System.IO.Pipelines;

namespace Appliance.Protocols;

/// <summary>
/// The sending half of a compressed connection (IMAP COMPRESS=DEFLATE, RFC 4978): what the session writes
/// goes out as one raw deflate stream (RFC 1951). Each burst of output, up to a flush, is compressed by a
/// deflater taken from <see cref="ZlibPool"/> and ended with Z_SYNC_FLUSH, whose empty stored block leaves
/// the stream byte-aligned; the deflater is then reset and given back. The client's inflater sees one
/// continuous stream, whose later blocks simply never refer back past their burst, and never a final
/// block (no Z_FINISH). So an idle connection holds neither a deflater nor a buffer.
/// </summary>
internal sealed class DeflateWriter(PipeWriter inner, ZlibPool pool) : PipeWriter, IDisposable
{
    /// <summary>Plain bytes gathered before they go through the deflater.</summary>
    private const int BufferSize = 4096;

    private byte[]? _buffer;
    private int _buffered;
    private long _unflushed;
    private ZStreamHandle? _deflater;

    public override bool CanGetUnflushedBytes => true;

    /// <summary>Plain bytes written since the last flush, compressed or not yet.</summary>
    public override long UnflushedBytes => _unflushed;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_buffered);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_buffered);
    }

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_buffer is null || bytes > _buffer.Length - _buffered)
        {
            throw new InvalidOperationException("Advanced past the memory handed out");
        }
        _buffered += bytes;
        _unflushed += bytes;
    }

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_unflushed > 0)
        {
            Compress(ZlibNative.SyncFlush);
            Release();
            _unflushed = 0;
        }
        return await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        Release();
        inner.Complete(exception);
    }

    /// <summary>Gives the deflater and the buffer back (the session has ended).</summary>
    public void Dispose() => Release();

    private void Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer is not null && _buffer.Length - _buffered >= sizeHint)
        {
            return;
        }
        if (_buffered > 0)
        {
            Compress(ZlibNative.NoFlush);
        }
        if (_buffer is null || _buffer.Length < sizeHint)
        {
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, BufferSize));
        }
    }

    /// <summary>Runs the buffered bytes through the deflater into the connection's pipe; with Z_SYNC_FLUSH, up to a byte boundary.</summary>
    private unsafe void Compress(int flush)
    {
        _deflater ??= pool.RentDeflater();
        var stream = _deflater.Stream;
        fixed (byte* input = _buffer)
        {
            stream->NextIn = input;
            stream->AvailIn = (uint)_buffered;
            while (true)
            {
                var output = inner.GetSpan(1024);
                int result;
                int produced;
                fixed (byte* start = output)
                {
                    stream->NextOut = start;
                    stream->AvailOut = (uint)output.Length;
                    result = ZlibNative.Deflate(_deflater, flush);
                    produced = output.Length - (int)stream->AvailOut;
                }
                inner.Advance(produced);
                if (result is not (ZlibNative.Ok or ZlibNative.BufError))
                {
                    throw new InvalidOperationException($"zlib deflate failed ({result})");
                }
                // zlib.h: with avail_out 0 after a flush, call again with the same flush for the rest.
                var done = stream->AvailIn == 0 && (flush == ZlibNative.NoFlush || stream->AvailOut != 0);
                if (done || (result == ZlibNative.BufError && produced == 0))
                {
                    break;
                }
            }
            stream->NextIn = null;
            stream->NextOut = null;
        }
        _buffered = 0;
    }

    private void Release()
    {
        if (_deflater is not null)
        {
            pool.Return(_deflater);
            _deflater = null;
        }
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _buffered = 0;
    }
}
