using System.Buffers;
using System.Security.Cryptography;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace Appliance.Storage;

/// <summary>What <see cref="BlobStore.PutAsync"/> stored: the content's SHA-256 (lower-case hex) and length.</summary>
public readonly record struct BlobRef(string Hash, long Size);

/// <summary>
/// Content-addressed, reference-counted storage for message bodies and other large bytes.
/// Identical content is stored once (a message to fifty users is one file). A blob becomes visible
/// only by an atomic rename after its bytes are fsynced, so a torn write is never read back.
/// Layout: <c>blobs/ab/abcdef…</c> with the first two hex digits as a fan-out folder; <c>blobs/tmp/</c>
/// holds writes in progress and is emptied at start.
/// </summary>
public sealed class BlobStore
{
    private readonly Database _database;
    private readonly string _root;
    private readonly string _temp;
    // Reference changes and file creation/deletion for one hash must not interleave (a release that
    // deletes the file while a put of the same content counts on it). One lock is enough at this scale.
    private readonly SemaphoreSlim _lock = new(1, 1);
    // Blobs stored for a transaction that has not committed yet: hash → how many such stores.
    private readonly Dictionary<string, int> _pins = new(StringComparer.Ordinal);

    public BlobStore(Database database, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _root = options.Value.BlobDirectory;
        _temp = System.IO.Path.Combine(_root, "tmp");
        Directory.CreateDirectory(_temp);
    }

    /// <summary>Deletes writes that were in progress when the process stopped; they were never acknowledged.</summary>
    public int RemoveAbandonedWrites()
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(_temp))
        {
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    /// <summary>
    /// Stores <paramref name="content"/> and takes one reference to it. When this returns, the bytes are
    /// on disk and the reference is committed.
    /// </summary>
    public Task<BlobRef> PutAsync(Stream content, CancellationToken cancellationToken = default) =>
        PutReferencedAsync(content, cancellationToken);

    /// <summary>
    /// Stores <paramref name="content"/> without taking a reference and without a database write: the
    /// caller adds its row with <see cref="RegisterAsync"/> in the transaction that inserts the rows
    /// that hold it (a message, a queue entry), whose triggers count the references. When this returns
    /// the bytes are on disk, and the blob is pinned (the sweeper leaves it alone) until
    /// <see cref="Unpin"/>, which the caller calls once that transaction has committed or failed.
    /// </summary>
    public async Task<BlobRef> StoreAsync(Stream content, CancellationToken cancellationToken = default)
    {
        var (hash, size, tempPath) = await WriteTempAsync(content, cancellationToken).ConfigureAwait(false);
        string folder;
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            folder = Publish(hash, tempPath);
            lock (_pins)
            {
                _pins[hash] = _pins.GetValueOrDefault(hash) + 1;
            }
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
        finally
        {
            _lock.Release();
        }
        // Outside the lock, so that deliveries' directory syncs overlap (the file system joins them into
        // one journal commit). Also when the file was already there: whoever renamed it may not have
        // synced the directory yet.
        FileSystem.SyncDirectory(folder);
        return new BlobRef(hash, size);
    }

    /// <summary>Adds the row of a blob from <see cref="StoreAsync"/>, unreferenced until the caller's rows count it.</summary>
    public static Task RegisterAsync(SqliteConnection connection, DbTransaction transaction, BlobRef blob) =>
        Statements.ExecuteAsync(connection, transaction,
            "INSERT INTO blobs(hash, size, refcount, released_at) VALUES (@hash, @size, 0, @now) ON CONFLICT(hash) DO NOTHING",
            ("@hash", blob.Hash), ("@size", blob.Size), ("@now", DateTimeOffset.UtcNow));

    /// <summary>Ends the pin <see cref="StoreAsync"/> took; from here the references in the database keep the blob.</summary>
    public void Unpin(BlobRef blob)
    {
        lock (_pins)
        {
            if (_pins.TryGetValue(blob.Hash, out var count))
            {
                if (count <= 1)
                {
                    _pins.Remove(blob.Hash);
                }
                else
                {
                    _pins[blob.Hash] = count - 1;
                }
            }
        }
    }

    private bool IsPinned(string hash)
    {
        lock (_pins)
        {
            return _pins.ContainsKey(hash);
        }
    }

    private async Task<BlobRef> PutReferencedAsync(Stream content, CancellationToken cancellationToken)
    {
        var (hash, size, tempPath) = await WriteTempAsync(content, cancellationToken).ConfigureAwait(false);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FileSystem.SyncDirectory(Publish(hash, tempPath));
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(
                "INSERT INTO blobs(hash, size, refcount) VALUES (@hash, @size, 1) ON CONFLICT(hash) DO UPDATE SET refcount = refcount + 1, released_at = NULL",
                new { hash, size }).ConfigureAwait(false);
            return new BlobRef(hash, size);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Writes the content to a temporary file, fsynced, and hashes it on the way.</summary>
    private async Task<(string Hash, long Size, string TempPath)> WriteTempAsync(Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var tempPath = System.IO.Path.Combine(_temp, Guid.NewGuid().ToString("N"));
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size;
            await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                size = file.Length;
                file.Flush(flushToDisk: true);
            }
            return (Convert.ToHexStringLower(sha.GetHashAndReset()), size, tempPath);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <summary>Moves a written temporary file to its place (under the lock); returns the folder to sync.</summary>
    private string Publish(string hash, string tempPath)
    {
        var finalPath = PathOf(hash);
        var folder = System.IO.Path.GetDirectoryName(finalPath)!;
        if (File.Exists(finalPath))
        {
            File.Delete(tempPath);
        }
        else
        {
            if (!Directory.Exists(folder))
            {
                // A new fan-out folder is itself an entry of blobs/ that must reach the disk.
                Directory.CreateDirectory(folder);
                FileSystem.SyncDirectory(_root);
            }
            File.Move(tempPath, finalPath);
        }
        return folder;
    }

    /// <summary>Takes one more reference to a blob that exists.</summary>
    public async Task AddReferenceAsync(string hash, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await connection.ExecuteAsync("UPDATE blobs SET refcount = refcount + 1, released_at = NULL WHERE hash = @hash", new { hash }).ConfigureAwait(false);
        if (changed == 0)
        {
            throw new FileNotFoundException($"No blob {hash}.");
        }
    }

    /// <summary>Drops one reference; <see cref="SweepAsync"/> removes the bytes once none is left.</summary>
    public async Task ReleaseAsync(string hash, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await connection.ExecuteAsync(
            "UPDATE blobs SET refcount = refcount - 1, released_at = CASE WHEN refcount = 1 THEN @now ELSE released_at END WHERE hash = @hash AND refcount > 0",
            new { hash, now = DateTimeOffset.UtcNow }).ConfigureAwait(false);
        if (changed == 0)
        {
            throw new FileNotFoundException($"No blob {hash}.");
        }
    }

    /// <summary>
    /// Removes blobs that nothing has referenced for at least <paramref name="gracePeriod"/>, except those
    /// pinned by a <see cref="StoreAsync"/> whose transaction has not committed yet.
    /// </summary>
    /// <returns>How many blobs were removed.</returns>
    public async Task<int> SweepAsync(TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        var cutoff = DateTimeOffset.UtcNow - gracePeriod;
        var removed = 0;
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var hashes = (await connection.QueryAsync<string>(
                "SELECT hash FROM blobs WHERE refcount = 0 AND released_at <= @cutoff", new { cutoff }).ConfigureAwait(false)).AsList();
            foreach (var hash in hashes.Where(h => !IsPinned(h)))
            {
                var deleted = await connection.ExecuteAsync("DELETE FROM blobs WHERE hash = @hash AND refcount = 0", new { hash }).ConfigureAwait(false);
                if (deleted == 1)
                {
                    TryDelete(PathOf(hash));
                    removed++;
                }
            }
        }
        finally
        {
            _lock.Release();
        }
        return removed;
    }

    public async Task<long> ReferenceCountAsync(string hash, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>("SELECT refcount FROM blobs WHERE hash = @hash", new { hash }).ConfigureAwait(false) ?? 0;
    }

    /// <summary>Opens a blob for reading, or null when there is none.</summary>
    public Stream? OpenRead(string hash)
    {
        var path = PathOf(hash);
        return File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous)
            : null;
    }

    /// <summary>
    /// Blobs up to this size are read whole into a pooled array by <see cref="ReadAsync"/>; larger ones are mapped.
    /// 1 MiB: most mail is far smaller (a reply is a few KB, a message with a photo a few hundred), so it costs one
    /// asynchronous read and a pooled array the pool already holds; a 50 MB message as an array would sit on the large
    /// object heap until a full collection, which is why the large ones stay outside the GC heap.
    /// </summary>
    public const int BufferedReadLimit = 1 << 20;

    // Chunk of the asynchronous read that brings a large blob's pages into the page cache before it is mapped.
    private const int PrefaultChunk = 256 * 1024;

    /// <summary>
    /// A blob's bytes for one scope, or null when there is none; dispose it, and keep nothing that points into it.
    /// Nothing here blocks the caller's thread on the disk: up to <see cref="BufferedReadLimit"/> the bytes are read
    /// with <see cref="RandomAccess.ReadAsync(Microsoft.Win32.SafeHandles.SafeFileHandle, Memory{byte}, long, CancellationToken)"/>
    /// into a pooled array; above it the file is first read through asynchronously in chunks (which puts its pages
    /// in the page cache) and then mapped read-only (<see cref="MappedBlob"/>), so that the parse's page faults are
    /// served from memory rather than the disk while the process keeps no copy. Under memory pressure the kernel may
    /// evict pages between the two; a fault then reads the disk again, the one window left.
    /// </summary>
    public async Task<IMemoryOwner<byte>?> ReadAsync(string hash, CancellationToken cancellationToken = default)
    {
        var path = PathOf(hash);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        using (handle)
        {
            var length = RandomAccess.GetLength(handle);
            if (length > int.MaxValue)
            {
                throw new IOException($"{path} is larger than a message can be.");
            }
            if (length <= BufferedReadLimit)
            {
                var buffered = new BufferedBlob((int)length);
                try
                {
                    await ReadExactlyAsync(handle, buffered.Writable, 0, cancellationToken).ConfigureAwait(false);
                    return buffered;
                }
                catch
                {
                    buffered.Dispose();
                    throw;
                }
            }
            var scratch = ArrayPool<byte>.Shared.Rent(PrefaultChunk);
            try
            {
                for (long offset = 0; offset < length; offset += PrefaultChunk)
                {
                    var count = (int)Math.Min(PrefaultChunk, length - offset);
                    await ReadExactlyAsync(handle, scratch.AsMemory(0, count), offset, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
            return new MappedBlob(handle, length);
        }
    }

    private static async Task ReadExactlyAsync(SafeFileHandle handle, Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var read = await RandomAccess.ReadAsync(handle, buffer, offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException("A blob is shorter than its length: blobs never change, so the file system failed.");
            }
            buffer = buffer[read..];
            offset += read;
        }
    }

    internal string PathOf(string hash)
    {
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("A blob hash is 64 lower-case hex digits.", nameof(hash));
        }
        return System.IO.Path.Combine(_root, hash[..2], hash);
    }

    internal string TempDirectory => _temp;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for RemoveAbandonedWrites at the next start; never visible as a blob.
        }
    }
}
