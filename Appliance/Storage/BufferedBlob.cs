using System.Buffers;

namespace Appliance.Storage;

/// <summary>
/// A small blob read into a pooled array (see <see cref="BlobStore.ReadAsync"/>); the array goes back to the pool when
/// this is disposed, so, as with <see cref="MappedBlob"/>, nothing that points into <see cref="Memory"/> may outlive it.
/// </summary>
internal sealed class BufferedBlob : IMemoryOwner<byte>
{
    private byte[]? _array;
    private readonly int _length;

    public BufferedBlob(int length)
    {
        _array = length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length);
        _length = length;
    }

    internal Memory<byte> Writable => (_array ?? throw new ObjectDisposedException(nameof(BufferedBlob))).AsMemory(0, _length);

    public Memory<byte> Memory => Writable;

    public void Dispose()
    {
        if (_array is { Length: > 0 } array)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
        _array = null;
    }
}
