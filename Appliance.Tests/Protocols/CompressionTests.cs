using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using Appliance.Protocols;

namespace Appliance.Tests.Protocols;

/// <summary>
/// The two halves of a COMPRESS=DEFLATE connection over in-memory pipes, checked against .NET's own raw deflate
/// (System.IO.Compression, zlib-ng inside the runtime, not the system zlib the server calls): what the server
/// sends inflates as one stream across bursts, and what a client compresses as one stream, referring back across
/// commands, reads back whole although the server gives its inflater back between commands.
/// </summary>
public sealed class CompressionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public void Z_stream_has_the_size_of_zlibs_on_64_bit_linux()
    {
        // zlib's init functions also refuse a stream_size other than their own sizeof(z_stream).
        Assert.Equal(112, System.Runtime.CompilerServices.Unsafe.SizeOf<ZStream>());
        using var deflater = ZStreamHandle.CreateDeflater(-1);
        using var inflater = ZStreamHandle.CreateInflater();
        Assert.False(deflater.IsInvalid);
    }

    [Fact]
    public async Task Bursts_inflate_as_one_stream_and_the_writer_holds_no_deflater_between_them()
    {
        var wire = new Pipe();
        var pool = new ZlibPool(4);
        var writer = new DeflateWriter(wire.Writer, pool);
        var sent = new MemoryStream();
        var bursts = new[] { "* OK DEFLATE active\r\n", string.Concat(Enumerable.Repeat("* 1 FETCH (FLAGS (\\Seen))\r\n", 500)), "a2 OK done\r\n" };
        foreach (var burst in bursts)
        {
            Encoding.ASCII.GetBytes(burst, writer);
            Assert.Equal(burst.Length, writer.UnflushedBytes);
            await writer.FlushAsync();
            Assert.Equal(0, writer.UnflushedBytes);
            // Between bursts the deflater is back in the pool.
            Assert.Equal(1, pool.Kept.Deflaters);
        }
        await wire.Writer.CompleteAsync();
        var compressed = await ReadAllAsync(wire.Reader);
        Assert.True(compressed.Length < 200, $"500 equal lines took {compressed.Length} bytes");
        // Every burst ends with the empty stored block of Z_SYNC_FLUSH: the client can decode it at once.
        Assert.True(compressed.AsSpan().EndsWith(new byte[] { 0, 0, 0xFF, 0xFF }));
        using var inflate = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
        var plain = new MemoryStream();
        await inflate.CopyToAsync(plain);
        Assert.Equal(string.Concat(bursts), Encoding.ASCII.GetString(plain.ToArray()));
    }

    [Fact]
    public async Task A_burst_larger_than_the_buffer_is_compressed_as_it_is_written()
    {
        var wire = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var writer = new DeflateWriter(wire.Writer, new ZlibPool(1));
        var random = new Random(4978);
        var body = new byte[300_000];
        random.NextBytes(body);
        writer.Write(body);
        Assert.Equal(body.Length, writer.UnflushedBytes);
        await writer.FlushAsync();
        await wire.Writer.CompleteAsync();
        using var inflate = new DeflateStream(new MemoryStream(await ReadAllAsync(wire.Reader)), CompressionMode.Decompress);
        var plain = new MemoryStream();
        await inflate.CopyToAsync(plain);
        Assert.Equal(body, plain.ToArray());
    }

    [Fact]
    public async Task Commands_that_refer_back_to_earlier_ones_read_back_through_a_pooled_inflater_with_the_kept_window()
    {
        var wire = new Pipe();
        var pool = new ZlibPool(4);
        var reader = new InflateReader(wire.Reader, pool);
        var client = new MemoryStream();
        var deflate = new DeflateStream(client, CompressionLevel.Optimal, leaveOpen: true);
        var command = "a1 FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)])\r\n";
        var sizes = new List<long>();
        for (var i = 1; i <= 3; i++)
        {
            var before = client.Length;
            var line = command.Replace("a1", "a" + i, StringComparison.Ordinal);
            deflate.Write(Encoding.ASCII.GetBytes(line));
            deflate.Flush(); // Z_SYNC_FLUSH
            sizes.Add(client.Length - before);
            await wire.Writer.WriteAsync(client.ToArray().AsMemory((int)before));
            Assert.Equal(line, await ReadLineAsync(reader));
            // At the block boundary the inflater is back in the pool; only the window is kept.
            Assert.False(reader.HoldsInflater);
            Assert.Equal(command.Length * i, reader.WindowLength);
            Assert.Equal(1, pool.Kept.Inflaters);
        }
        // The later commands are mostly back-references into the earlier ones.
        Assert.True(sizes[1] < sizes[0] / 3 && sizes[2] < sizes[0] / 3, string.Join(", ", sizes));
        reader.Dispose();
    }

    [Fact]
    public async Task The_window_kept_is_at_most_32_KiB()
    {
        var wire = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var reader = new InflateReader(wire.Reader, new ZlibPool(1));
        var client = new MemoryStream();
        using (var deflate = new DeflateStream(client, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"a{i} NOOP\r\n"))));
            deflate.Flush();
        }
        // The final block that Dispose wrote is not sent: a client never ends the stream.
        var bytes = client.ToArray();
        await wire.Writer.WriteAsync(bytes.AsMemory(0, bytes.Length - FinalBlockLength(bytes)));
        for (var i = 0; i < 5000; i++)
        {
            Assert.Equal($"a{i} NOOP\r\n", await ReadLineAsync(reader));
        }
        Assert.False(reader.HoldsInflater);
        Assert.Equal(32 * 1024, reader.WindowLength);
    }

    [Fact]
    public async Task Garbage_is_an_IOException_and_the_inflater_goes_back()
    {
        var wire = new Pipe();
        var pool = new ZlibPool(2);
        var reader = new InflateReader(wire.Reader, pool);
        // Block type 3 is reserved (RFC 1951 §3.2.3): zlib answers Z_DATA_ERROR.
        await wire.Writer.WriteAsync(new byte[] { 0x07, 0x01, 0x02, 0x03 });
        await Assert.ThrowsAsync<IOException>(async () => await reader.ReadAsync().AsTask().WaitAsync(Bound));
        reader.Dispose();
        Assert.Equal(1, pool.Kept.Inflaters);
    }

    [Fact]
    public async Task Data_after_a_final_block_is_an_IOException()
    {
        var wire = new Pipe();
        var reader = new InflateReader(wire.Reader, new ZlibPool(1));
        var client = new MemoryStream();
        using (var deflate = new DeflateStream(client, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write("a1 NOOP\r\n"u8);
        }
        await wire.Writer.WriteAsync(client.ToArray());
        Assert.Equal("a1 NOOP\r\n", await ReadLineAsync(reader));
        await wire.Writer.WriteAsync(new byte[] { 0x4B, 0x04, 0x00 });
        await Assert.ThrowsAsync<IOException>(async () => await ReadLineAsync(reader));
    }

    [Fact]
    public async Task A_bomb_is_inflated_a_chunk_at_a_time_as_the_session_takes_it()
    {
        // 64 MiB of one byte compress to some 64 KiB; the reader never holds more than a chunk of it.
        var wire = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var reader = new InflateReader(wire.Reader, new ZlibPool(1));
        var client = new MemoryStream();
        using (var deflate = new DeflateStream(client, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            zeros.AsSpan().Fill((byte)'x');
            for (var i = 0; i < 64; i++)
            {
                deflate.Write(zeros);
            }
            deflate.Flush();
        }
        await wire.Writer.WriteAsync(client.ToArray());
        long seen = 0;
        var largest = 0L;
        while (seen < 64L << 20)
        {
            var read = await reader.ReadAsync().AsTask().WaitAsync(Bound);
            largest = Math.Max(largest, read.Buffer.Length);
            seen += read.Buffer.Length;
            reader.AdvanceTo(read.Buffer.End);
        }
        Assert.Equal(64L << 20, seen);
        Assert.True(largest <= InflateReader.Chunk, $"one read held {largest} bytes");
    }

    [Fact]
    public async Task A_pending_read_is_cancelled_through_the_reader()
    {
        var wire = new Pipe();
        var reader = new InflateReader(wire.Reader, new ZlibPool(1));
        var read = reader.ReadAsync().AsTask();
        reader.CancelPendingRead();
        Assert.True((await read.WaitAsync(Bound)).IsCanceled);
        await wire.Writer.CompleteAsync();
        Assert.True((await reader.ReadAsync().AsTask().WaitAsync(Bound)).IsCompleted);
    }

    /// <summary>The bytes Dispose added after the last Z_SYNC_FLUSH marker (00 00 FF FF).</summary>
    private static int FinalBlockLength(byte[] bytes)
    {
        var marker = bytes.AsSpan().LastIndexOf(new byte[] { 0, 0, 0xFF, 0xFF });
        return bytes.Length - (marker + 4);
    }

    private static async Task<string> ReadLineAsync(PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync().AsTask().WaitAsync(Bound);
            var buffer = read.Buffer;
            var end = buffer.PositionOf((byte)'\n');
            if (end is { } at)
            {
                var line = buffer.Slice(0, buffer.GetPosition(1, at));
                var text = Encoding.ASCII.GetString(line.ToArray());
                reader.AdvanceTo(line.End);
                return text;
            }
            if (read.IsCompleted)
            {
                throw new EndOfStreamException();
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        var all = new MemoryStream();
        while (true)
        {
            var read = await reader.ReadAsync().AsTask().WaitAsync(Bound);
            foreach (var segment in read.Buffer)
            {
                all.Write(segment.Span);
            }
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return all.ToArray();
            }
        }
    }
}
