using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Options;

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
        WriteAsync(content, takeReference: true, cancellationToken);

    /// <summary>
    /// Stores <paramref name="content"/> without taking a reference: the rows that will hold it (a
    /// message, a queue entry) count it through their triggers, in the transaction that inserts them.
    /// Until then it is unreferenced and <see cref="SweepAsync"/> leaves it alone for the grace period.
    /// </summary>
    public Task<BlobRef> StoreAsync(Stream content, CancellationToken cancellationToken = default) =>
        WriteAsync(content, takeReference: false, cancellationToken);

    private async Task<BlobRef> WriteAsync(Stream content, bool takeReference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var tempPath = System.IO.Path.Combine(_temp, Guid.NewGuid().ToString("N"));
        string hash;
        long size;
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
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
            hash = Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var finalPath = PathOf(hash);
            if (File.Exists(finalPath))
            {
                File.Delete(tempPath);
            }
            else
            {
                var folder = System.IO.Path.GetDirectoryName(finalPath)!;
                if (!Directory.Exists(folder))
                {
                    // A new fan-out folder is itself an entry of blobs/ that must reach the disk.
                    Directory.CreateDirectory(folder);
                    FileSystem.SyncDirectory(_root);
                }
                File.Move(tempPath, finalPath);
                FileSystem.SyncDirectory(folder);
            }
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(takeReference
                ? "INSERT INTO blobs(hash, size, refcount) VALUES (@hash, @size, 1) ON CONFLICT(hash) DO UPDATE SET refcount = refcount + 1, released_at = NULL"
                // Unreferenced: restart the grace period so a sweep cannot take it before its rows commit.
                : "INSERT INTO blobs(hash, size, refcount, released_at) VALUES (@hash, @size, 0, @now) ON CONFLICT(hash) DO UPDATE SET released_at = CASE WHEN refcount = 0 THEN @now ELSE released_at END",
                new { hash, size, now = DateTimeOffset.UtcNow }).ConfigureAwait(false);
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
    /// Removes blobs that nothing has referenced for at least <paramref name="gracePeriod"/>. The grace
    /// covers a delivery between storing its bytes and committing the rows that reference them.
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
            foreach (var hash in hashes)
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
