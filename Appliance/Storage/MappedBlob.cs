using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Appliance.Storage;

/// <summary>
/// A blob mapped read-only into memory, as Dovecot maps mail files: its pages belong to the page cache, outside the
/// GC heap, and leave the process when it is disposed. Reading a 49 MB message into an array put 49 MB on the large
/// object heap for each path that parsed it, and they stayed until a full collection. Use it within one scope:
/// nothing that points into <see cref="MemoryManager{T}.Memory"/> may outlive it (its span throws once disposed).
/// Blobs never change and an unlinked file stays readable while mapped, so the mapping cannot see other bytes.
/// </summary>
public sealed unsafe class MappedBlob : MemoryManager<byte>
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _pointer;
    private readonly int _length;
    private bool _disposed;

    /// <summary>Maps the file open on <paramref name="handle"/> (which stays the caller's to close) of <paramref name="length"/> bytes.</summary>
    internal MappedBlob(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length)
    {
        if (length > int.MaxValue)
        {
            throw new IOException("A blob is larger than a message can be.");
        }
        if (length == 0)
        {
            return;
        }
        _file = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        _view = _file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _pointer = pointer + _view.PointerOffset;
        _length = (int)length;
    }

    public int Length => _length;

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _length == 0 ? [] : new Span<byte>(_pointer, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _file?.Dispose();
    }
}
