using System.Runtime.InteropServices;

namespace Appliance.Protocols;

/// <summary>
/// <c>z_stream</c> of zlib.h as laid out on 64-bit Linux (LP64: <c>uLong</c> is 8 bytes, hence <see cref="CULong"/>;
/// 112 bytes in all). zlib keeps a pointer back to it, so it lives in native memory and never moves.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZStream
{
    public byte* NextIn;
    public uint AvailIn;
    public CULong TotalIn;
    public byte* NextOut;
    public uint AvailOut;
    public CULong TotalOut;
    public byte* Msg;
    public void* State;
    public void* ZAlloc;
    public void* ZFree;
    public void* Opaque;
    public int DataType;
    public CULong Adler;
    public CULong Reserved;
}

/// <summary>
/// The system zlib (<c>libz.so.1</c>, Debian's zlib1g, which every Debian system has). Not
/// System.IO.Compression: it offers neither <c>inflateSetDictionary</c> nor <c>Z_BLOCK</c>, which
/// <see cref="InflateReader"/> needs to give its inflater back between a client's commands.
/// </summary>
internal static unsafe partial class ZlibNative
{
    private const string Library = "libz.so.1";

    public const int NoFlush = 0;
    public const int SyncFlush = 2;
    public const int Block = 5;

    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int NeedDict = 2;
    public const int BufError = -5;

    /// <summary>Raw deflate (RFC 1951, no zlib header or checksum), as RFC 4978 §3 asks, with the full 32 KiB window.</summary>
    public const int RawWindowBits = -15;

    [LibraryImport(Library, EntryPoint = "zlibVersion")]
    public static partial byte* Version();

    [LibraryImport(Library, EntryPoint = "deflateInit2_")]
    public static partial int DeflateInit2(ZStreamHandle stream, int level, int method, int windowBits, int memLevel, int strategy, byte* version, int streamSize);

    [LibraryImport(Library, EntryPoint = "deflate")]
    public static partial int Deflate(ZStreamHandle stream, int flush);

    [LibraryImport(Library, EntryPoint = "deflateReset")]
    public static partial int DeflateReset(ZStreamHandle stream);

    [LibraryImport(Library, EntryPoint = "deflateEnd")]
    public static partial int DeflateEnd(IntPtr stream);

    [LibraryImport(Library, EntryPoint = "inflateInit2_")]
    public static partial int InflateInit2(ZStreamHandle stream, int windowBits, byte* version, int streamSize);

    [LibraryImport(Library, EntryPoint = "inflate")]
    public static partial int Inflate(ZStreamHandle stream, int flush);

    [LibraryImport(Library, EntryPoint = "inflateReset")]
    public static partial int InflateReset(ZStreamHandle stream);

    [LibraryImport(Library, EntryPoint = "inflateSetDictionary")]
    public static partial int InflateSetDictionary(ZStreamHandle stream, byte* dictionary, uint length);

    [LibraryImport(Library, EntryPoint = "inflateGetDictionary")]
    public static partial int InflateGetDictionary(ZStreamHandle stream, byte* dictionary, uint* length);

    [LibraryImport(Library, EntryPoint = "inflateEnd")]
    public static partial int InflateEnd(IntPtr stream);
}

/// <summary>One zlib stream, deflater or inflater, with its <see cref="ZStream"/> in native memory; released with deflateEnd/inflateEnd.</summary>
internal sealed unsafe class ZStreamHandle : SafeHandle
{
    private bool _initialized;

    private ZStreamHandle(bool inflater) : base(IntPtr.Zero, ownsHandle: true)
    {
        IsInflater = inflater;
        SetHandle((IntPtr)NativeMemory.AllocZeroed((nuint)sizeof(ZStream)));
    }

    public bool IsInflater { get; }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The fields, for the one owner that holds the handle (a session, or the pool).</summary>
    public ZStream* Stream => (ZStream*)handle;

    /// <param name="level">zlib's 1 (fastest) to 9 (smallest); -1 is its default, 6.</param>
    public static ZStreamHandle CreateDeflater(int level)
    {
        var stream = new ZStreamHandle(inflater: false);
        // Z_DEFLATED (8), memLevel 8 (zlib's default: 128 KiB of hash tables beside the 128 KiB window), Z_DEFAULT_STRATEGY.
        stream.Check(ZlibNative.DeflateInit2(stream, level, 8, ZlibNative.RawWindowBits, 8, 0, ZlibNative.Version(), sizeof(ZStream)), "deflateInit2");
        return stream;
    }

    public static ZStreamHandle CreateInflater()
    {
        var stream = new ZStreamHandle(inflater: true);
        stream.Check(ZlibNative.InflateInit2(stream, ZlibNative.RawWindowBits, ZlibNative.Version(), sizeof(ZStream)), "inflateInit2");
        return stream;
    }

    private void Check(int result, string call)
    {
        if (result != ZlibNative.Ok)
        {
            // Z_VERSION_ERROR here would mean that ZStream does not match this zlib's z_stream.
            Dispose();
            throw new InvalidOperationException($"zlib {call} failed ({result})");
        }
        _initialized = true;
    }

    /// <summary>Back to the state of a new stream, keeping the memory; false if zlib found the state broken.</summary>
    public bool Reset() => (IsInflater ? ZlibNative.InflateReset(this) : ZlibNative.DeflateReset(this)) == ZlibNative.Ok;

    protected override bool ReleaseHandle()
    {
        if (_initialized)
        {
            _ = IsInflater ? ZlibNative.InflateEnd(handle) : ZlibNative.DeflateEnd(handle);
        }
        NativeMemory.Free((void*)handle);
        return true;
    }
}

/// <summary>
/// Deflaters and inflaters shared by all compressed connections. A connection takes one only while it has
/// bytes to compress or decompress and gives it back after (see <see cref="DeflateWriter"/> and
/// <see cref="InflateReader"/>): zlib's raw deflater holds about 256 KiB and an inflater its 32 KiB window,
/// far more than an idle connection may cost. A few are kept for the next burst; the rest are freed.
/// </summary>
internal sealed class ZlibPool(int keep)
{
    /// <summary>zlib's default level (6), as Dovecot uses; two spare streams of each kind per core.</summary>
    public static ZlibPool Shared { get; } = new(2 * Environment.ProcessorCount);

    private readonly Stack<ZStreamHandle> _deflaters = new();
    private readonly Stack<ZStreamHandle> _inflaters = new();
    private readonly Lock _lock = new();

    public ZStreamHandle RentDeflater() => Take(_deflaters) ?? ZStreamHandle.CreateDeflater(-1);

    public ZStreamHandle RentInflater() => Take(_inflaters) ?? ZStreamHandle.CreateInflater();

    /// <summary>Reset and kept, or freed when enough are kept already (or the stream is broken).</summary>
    public void Return(ZStreamHandle stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var stack = stream.IsInflater ? _inflaters : _deflaters;
        if (stream.Reset())
        {
            lock (_lock)
            {
                if (stack.Count < keep)
                {
                    stack.Push(stream);
                    return;
                }
            }
        }
        stream.Dispose();
    }

    /// <summary>How many are kept now, for tests.</summary>
    public (int Deflaters, int Inflaters) Kept
    {
        get
        {
            lock (_lock)
            {
                return (_deflaters.Count, _inflaters.Count);
            }
        }
    }

    private ZStreamHandle? Take(Stack<ZStreamHandle> stack)
    {
        lock (_lock)
        {
            return stack.TryPop(out var stream) ? stream : null;
        }
    }
}
