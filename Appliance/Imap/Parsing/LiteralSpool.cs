using Microsoft.Win32.SafeHandles;

namespace Appliance.Imap.Parsing;

/// <summary>A literal kept on disk rather than in the command: where its octets sit in the spool file.</summary>
/// <param name="HasNul">Whether a NUL is among them: allowed in <c>literal8</c> only (RFC 3516 §4.3).</param>
public readonly record struct SpooledLiteral(long Offset, long Length, bool HasNul);

/// <summary>
/// The literals of one APPEND command that <see cref="ImapCommandReader"/> wrote to a temporary file as they
/// arrived, so that a MULTIAPPEND of many large messages (RFC 3502) costs disk, not memory; and the messages
/// CATENATE (RFC 4469) assembles. The file is created on first use in the blob store's <c>tmp</c> folder (emptied
/// at start, so a crash leaves nothing) and deleted when the spool is disposed, after the command. Nothing here
/// is acknowledged: the blob store makes its own fsynced copy of what is appended.
/// </summary>
public sealed class LiteralSpool(string directory) : IAsyncDisposable
{
    private readonly Dictionary<int, SpooledLiteral> _byPosition = [];
    private SafeFileHandle? _file;
    private long _length;

    /// <summary>Octets written so far.</summary>
    public long Length => _length;

    /// <summary>The literal whose data would start at <paramref name="position"/> of the command, if it was spooled.</summary>
    public bool TryGet(int position, out SpooledLiteral literal) => _byPosition.TryGetValue(position, out literal);

    /// <summary>Starts a literal at the end of the file; <see cref="WriteAsync"/> its octets, then <see cref="End"/> it.</summary>
    public long Begin()
    {
        _file ??= File.OpenHandle(Path.Combine(directory, "imap-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        return _length;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        await RandomAccess.WriteAsync(_file!, bytes, _length, cancellationToken).ConfigureAwait(false);
        _length += bytes.Length;
    }

    /// <summary>Ends the literal begun at <paramref name="start"/>, recording that its data belongs at <paramref name="position"/> of the command.</summary>
    public SpooledLiteral End(long start, bool hasNul, int? position = null)
    {
        var literal = new SpooledLiteral(start, _length - start, hasNul);
        if (position is { } at)
        {
            _byPosition[at] = literal;
        }
        return literal;
    }

    /// <summary>A read-only stream over one spooled literal; valid until the spool is disposed.</summary>
    public Stream OpenRead(SpooledLiteral literal) =>
        _file is null && literal.Length > 0 ? throw new InvalidOperationException("Nothing was spooled") : new SegmentStream(_file, literal.Offset, literal.Length);

    public ValueTask DisposeAsync()
    {
        _file?.Dispose();
        _file = null;
        return ValueTask.CompletedTask;
    }

    private sealed class SegmentStream(SafeFileHandle? file, long offset, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }

        public override int Read(byte[] buffer, int offset1, int count) => Read(buffer.AsSpan(offset1, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, length - _position);
            if (count <= 0)
            {
                return 0;
            }
            var read = RandomAccess.Read(file!, buffer[..count], offset + _position);
            _position += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var count = (int)Math.Min(buffer.Length, length - _position);
            if (count <= 0)
            {
                return 0;
            }
            var read = await RandomAccess.ReadAsync(file!, buffer[..count], offset + _position, cancellationToken).ConfigureAwait(false);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset1, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset1, count), cancellationToken).AsTask();

        public override long Seek(long offset1, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset1, int count) => throw new NotSupportedException();
    }
}
