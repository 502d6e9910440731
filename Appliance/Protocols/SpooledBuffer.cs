namespace Appliance.Protocols;

/// <summary>
/// Collects a message as it arrives: in memory up to <see cref="MemoryLimit"/>, then in a temporary file,
/// so a large message never sits in RAM. Bytes beyond the size limit are counted, not kept.
/// </summary>
public sealed class SpooledBuffer(string tempDirectory, long maxSize) : IAsyncDisposable
{
    /// <summary>256 KiB: most mail is smaller and never touches the disk twice.</summary>
    public const int MemoryLimit = 256 * 1024;

    private MemoryStream? _memory = new();
    private FileStream? _file;
    private string? _path;

    /// <summary>Bytes received, including any beyond the limit.</summary>
    public long Length { get; private set; }
    public bool Overflowed => Length > maxSize;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        Length += bytes.Length;
        if (Overflowed)
        {
            return;
        }
        if (_memory is not null && _memory.Length + bytes.Length > MemoryLimit)
        {
            _path = Path.Combine(tempDirectory, "spool-" + Guid.NewGuid().ToString("N"));
            _file = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            _memory.Position = 0;
            await _memory.CopyToAsync(_file, cancellationToken).ConfigureAwait(false);
            _memory = null;
        }
        if (_memory is not null)
        {
            _memory.Write(bytes.Span);
        }
        else
        {
            await _file!.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A read-only view from the start; valid until the buffer is disposed or reset.</summary>
    public Stream OpenRead()
    {
        if (_memory is not null)
        {
            return new MemoryStream(_memory.GetBuffer(), 0, (int)_memory.Length, writable: false);
        }
        _file!.Flush();
        _file.Position = 0;
        return new NonClosingStream(_file);
    }

    public async ValueTask DisposeAsync()
    {
        _memory = null;
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
        }
    }

    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        // Seekable like the memory view: the scanners send the length before the message (spamc's Content-length).
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
