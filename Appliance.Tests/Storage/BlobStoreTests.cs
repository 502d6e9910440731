using System.Security.Cryptography;
using System.Text;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Storage;

public class BlobStoreTests
{
    private static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task Blob_is_named_by_the_SHA256_of_its_bytes_and_reads_back_identically()
    {
        await using var services = await TestServices.CreateAsync();
        var store = services.Get<BlobStore>();
        var content = RandomNumberGenerator.GetBytes(300_000);

        var blob = await store.PutAsync(new MemoryStream(content));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), blob.Hash);
        Assert.Equal(content.Length, blob.Size);
        await using var read = store.OpenRead(blob.Hash)!;
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(BlobStore.BufferedReadLimit)]
    [InlineData(BlobStore.BufferedReadLimit + 1)]
    [InlineData(3 * BlobStore.BufferedReadLimit + 12_345)]
    public async Task A_blob_read_asynchronously_is_its_exact_bytes_buffered_or_mapped(int size)
    {
        await using var services = await TestServices.CreateAsync();
        var store = services.Get<BlobStore>();
        var content = RandomNumberGenerator.GetBytes(size);
        var blob = await store.PutAsync(new MemoryStream(content));

        var read = (await store.ReadAsync(blob.Hash))!;
        var memory = read.Memory;
        Assert.True(memory.Span.SequenceEqual(content));
        // Small blobs come in a pooled array, large ones as a read-only mapping outside the GC heap.
        Assert.Equal(size > BlobStore.BufferedReadLimit, read is MappedBlob);
        read.Dispose();
        if (read is MappedBlob)
        {
            Assert.Throws<ObjectDisposedException>(() => memory.Span.Length);
        }
    }

    [Fact]
    public async Task Reading_a_missing_blob_gives_null()
    {
        await using var services = await TestServices.CreateAsync();
        Assert.Null(await services.Get<BlobStore>().ReadAsync(new string('0', 64)));
    }

    [Fact]
    public async Task Same_bytes_are_stored_once_and_counted_per_reference()
    {
        await using var services = await TestServices.CreateAsync();
        var store = services.Get<BlobStore>();

        var first = await store.PutAsync(Bytes("one message for fifty users"));
        var second = await store.PutAsync(Bytes("one message for fifty users"));
        var other = await store.PutAsync(Bytes("another message"));

        Assert.Equal(first, second);
        Assert.NotEqual(first.Hash, other.Hash);
        Assert.Equal(2, await store.ReferenceCountAsync(first.Hash));
        Assert.Equal(1, await store.ReferenceCountAsync(other.Hash));
        var files = Directory.EnumerateFiles(Path.Combine(services.DataDirectory, "blobs"), "*", SearchOption.AllDirectories)
            .Where(f => Path.GetDirectoryName(f) != store.TempDirectory).ToList();
        Assert.Equal(2, files.Count);
    }

    [Fact]
    public async Task Releasing_the_last_reference_removes_the_bytes()
    {
        await using var services = await TestServices.CreateAsync();
        var store = services.Get<BlobStore>();
        var blob = await store.PutAsync(Bytes("short-lived"));
        await store.AddReferenceAsync(blob.Hash);
        var path = store.PathOf(blob.Hash);

        await store.ReleaseAsync(blob.Hash);
        Assert.True(File.Exists(path));
        Assert.Equal(1, await store.ReferenceCountAsync(blob.Hash));

        await store.ReleaseAsync(blob.Hash);
        Assert.Equal(0, await store.ReferenceCountAsync(blob.Hash));
        // Within the grace period the bytes stay (a delivery may be about to reference them).
        Assert.Equal(0, await store.SweepAsync(TimeSpan.FromHours(1)));
        Assert.True(File.Exists(path));
        Assert.Equal(1, await store.SweepAsync(TimeSpan.Zero));
        Assert.False(File.Exists(path));
        Assert.Null(store.OpenRead(blob.Hash));
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.ReleaseAsync(blob.Hash));
    }

    [Fact]
    public async Task Torn_write_is_never_visible()
    {
        await using var services = await TestServices.CreateAsync();
        var store = services.Get<BlobStore>();
        var content = RandomNumberGenerator.GetBytes(200_000);
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));

        await Assert.ThrowsAsync<IOException>(() => store.PutAsync(new FailingStream(content, failAfter: 100_000)));

        Assert.Null(store.OpenRead(hash));
        Assert.False(File.Exists(store.PathOf(hash)));
        Assert.Equal(0, await store.ReferenceCountAsync(hash));
        Assert.Empty(Directory.EnumerateFiles(store.TempDirectory));
        // The full write afterwards succeeds and is the only copy.
        var blob = await store.PutAsync(new MemoryStream(content));
        Assert.Equal(hash, blob.Hash);
        Assert.Equal(1, await store.ReferenceCountAsync(hash));
    }

    [Fact]
    public async Task Writes_abandoned_by_a_crash_are_removed_at_start_and_never_read()
    {
        await using var services = await TestServices.CreateAsync();
        var store = services.Get<BlobStore>();
        await File.WriteAllTextAsync(Path.Combine(store.TempDirectory, "abandoned"), "half a message");

        Assert.Equal(1, store.RemoveAbandonedWrites());
        Assert.Empty(Directory.EnumerateFiles(store.TempDirectory));
    }

    [Fact]
    public async Task Concurrent_puts_of_the_same_bytes_count_every_reference()
    {
        await using var services = await TestServices.CreateAsync();
        var store = services.Get<BlobStore>();
        var content = RandomNumberGenerator.GetBytes(50_000);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => store.PutAsync(new MemoryStream(content)))));

        Assert.Single(results.Select(r => r.Hash).Distinct());
        Assert.Equal(20, await store.ReferenceCountAsync(results[0].Hash));
    }

    [Fact]
    public async Task Stored_blob_is_counted_by_the_rows_that_hold_it_and_swept_when_they_go()
    {
        await using var services = await TestServices.CreateAsync();
        await services.SetUpAsync();
        var store = services.Get<BlobStore>();
        var blob = await store.StoreAsync(Bytes("a delivered message"));
        Assert.Equal(0, await store.ReferenceCountAsync(blob.Hash));

        await services.Get<Database>().InTransactionAsync(async (connection, transaction) =>
        {
            await BlobStore.RegisterAsync(connection, transaction, blob);
            await Dapper.SqlMapper.ExecuteAsync(connection, """
                INSERT INTO mailboxes(user_id, name, uidvalidity, created_at) SELECT id, 'INBOX', 1, '2026-01-01' FROM users;
                INSERT INTO messages(mailbox_id, uid, blob_hash, size, internal_date) SELECT id, 1, @hash, 19, '2026-01-01' FROM mailboxes;
                INSERT INTO messages(mailbox_id, uid, blob_hash, size, internal_date) SELECT id, 2, @hash, 19, '2026-01-01' FROM mailboxes;
                """, new { hash = blob.Hash }, transaction);
        });
        store.Unpin(blob);
        Assert.Equal(2, await store.ReferenceCountAsync(blob.Hash));

        // Removing the user cascades to the mailbox and its messages, and the triggers release the blob.
        await using var connection = await services.Get<Database>().OpenAsync();
        await Dapper.SqlMapper.ExecuteAsync(connection, "DELETE FROM users");
        Assert.Equal(0, await store.ReferenceCountAsync(blob.Hash));
        Assert.Equal(1, await store.SweepAsync(TimeSpan.Zero));
        Assert.Null(store.OpenRead(blob.Hash));
    }

    [Fact]
    public async Task Sweeper_leaves_a_blob_alone_while_a_delivery_that_stored_it_has_not_committed()
    {
        await using var services = await TestServices.CreateAsync();
        var store = services.Get<BlobStore>();
        var database = services.Get<Database>();
        // An old, unreferenced blob (a deleted message) whose bytes a new delivery stores again.
        var old = await store.PutAsync(Bytes("the same bytes again"));
        await store.ReleaseAsync(old.Hash);
        var again = await store.StoreAsync(Bytes("the same bytes again"));
        Assert.Equal(old, again);

        Assert.Equal(0, await store.SweepAsync(TimeSpan.Zero));
        Assert.NotNull(store.OpenRead(again.Hash));

        // A second store of the same bytes pins it too: one unpin is not enough.
        await store.StoreAsync(Bytes("the same bytes again"));
        store.Unpin(again);
        Assert.Equal(0, await store.SweepAsync(TimeSpan.Zero));
        store.Unpin(again);
        Assert.Equal(1, await store.SweepAsync(TimeSpan.Zero));
        Assert.Null(store.OpenRead(again.Hash));

        // A stored blob whose transaction never commits leaves no row, so it cannot be counted by mistake.
        var orphan = await store.StoreAsync(Bytes("never committed"));
        store.Unpin(orphan);
        await using var connection = await database.OpenAsync();
        Assert.Equal(0L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM blobs WHERE hash = @hash", new { hash = orphan.Hash }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    public async Task A_hash_that_is_not_64_lower_hex_digits_is_refused(string hash)
    {
        await using var services = await TestServices.CreateAsync();
        Assert.Throws<ArgumentException>(() => services.Get<BlobStore>().OpenRead(hash));
    }

    /// <summary>Gives <c>failAfter</c> bytes, then fails as a dropped connection would.</summary>
    private sealed class FailingStream(byte[] content, int failAfter) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => content.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter)
            {
                throw new IOException("connection reset");
            }
            var n = Math.Min(count, failAfter - _position);
            Array.Copy(content, _position, buffer, offset, n);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
