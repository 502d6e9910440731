using System.Text;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Mailstore;

public class MessageLoaderTests
{
    private static string ManyParts(int parts) =>
        "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + string.Concat(Enumerable.Range(0, parts).Select(i => $"--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n")) + "--b--\r\n";

    [Fact]
    public async Task A_loaded_message_is_the_stored_bytes_parsed_with_the_configured_limits()
    {
        await using var services = await TestServices.CreateAsync(new Dictionary<string, string?> { ["Appliance:Mime:MaxParts"] = "10" });
        var bytes = Encoding.ASCII.GetBytes(ManyParts(50));
        var blob = await services.Get<BlobStore>().PutAsync(new MemoryStream(bytes));

        using var loaded = (await services.Get<MessageLoader>().LoadAsync(blob.Hash))!;

        Assert.True(loaded.Bytes.Span.SequenceEqual(bytes));
        Assert.True(loaded.Message.IsTruncated);
        Assert.Equal(10, loaded.Message.Entities.Count());
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(BlobStore.BufferedReadLimit + 4_096)]
    public async Task An_owned_message_stays_readable_after_its_load_is_disposed(int bodyBytes)
    {
        await using var services = await TestServices.CreateAsync();
        var text = "From: a@example.org\r\nSubject: kept\r\n\r\n" + new string('x', bodyBytes) + "\r\n";
        var blob = await services.Get<BlobStore>().PutAsync(new MemoryStream(Encoding.ASCII.GetBytes(text)));

        var loaded = (await services.Get<MessageLoader>().LoadAsync(blob.Hash, MessageLifetime.Owned))!;
        var message = loaded.Message;
        loaded.Dispose();
        // Scoped bytes would be back in the pool or unmapped here; owned ones are the message's own.
        Assert.Equal("kept", message.Subject);
        Assert.Equal(text.Length, message.Root.RawBody.Length + message.Root.BodyStart);
    }

    [Fact]
    public async Task A_missing_blob_loads_as_null()
    {
        await using var services = await TestServices.CreateAsync();
        Assert.Null(await services.Get<MessageLoader>().LoadAsync(new string('a', 64)));
    }
}
