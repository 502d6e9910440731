// A deliberately bad house for MessageLoadingRulesCanFailTests: a protocol command that maps a blob and parses it
// inside an async method, a page that calls the parser directly, and a composer that parses in a lambda. Beside them,
// what the rule allows (the parser inside Mime, the loader, the blob store itself, POP3 streaming a blob), which must
// not be reported. Nothing here runs; the rule reads the compiled calls.
#pragma warning disable CA1822, CA1812, CA1031, CA2007, IDE0060

namespace Appliance.Tests.Architecture.LoadingHouse.Mime
{
    public sealed class MimeMessage
    {
        // Allowed: Mime's own convenience over its parser.
        public static MimeMessage Parse(ReadOnlyMemory<byte> source) => MimeParser.Parse(source);
    }

    public static class MimeParser
    {
        public static MimeMessage Parse(ReadOnlyMemory<byte> source) => new();
    }
}

namespace Appliance.Tests.Architecture.LoadingHouse.Storage
{
    public sealed class MappedBlob
    {
        public ReadOnlyMemory<byte> Memory => ReadOnlyMemory<byte>.Empty;
    }

    public sealed class BlobStore
    {
        public MappedBlob? Map(string hash) => new();

        public Task<MappedBlob?> ReadAsync(string hash) => Task.FromResult<MappedBlob?>(Map(hash));

        public Stream? OpenRead(string hash) => Stream.Null;
    }
}

namespace Appliance.Tests.Architecture.LoadingHouse.Mailstore
{
    public sealed class MessageLoader(Storage.BlobStore blobs)
    {
        // Allowed: the one loader.
        public async Task<Mime.MimeMessage> LoadAsync(string hash)
        {
            var blob = await blobs.ReadAsync(hash);
            return Mime.MimeMessage.Parse(blob!.Memory);
        }
    }
}

namespace Appliance.Tests.Architecture.LoadingHouse.Imap
{
    public sealed class Fetch(Storage.BlobStore blobs)
    {
        // Bad: maps and parses by itself, inside an async method (the calls sit in the compiler's state machine).
        public async Task<int> RunAsync(string hash)
        {
            await Task.Yield();
            var blob = blobs.Map(hash);
            return Mime.MimeMessage.Parse(blob!.Memory) is null ? 0 : 1;
        }
    }
}

namespace Appliance.Tests.Architecture.LoadingHouse.Web
{
    public sealed class Reader
    {
        // Bad: the parser called directly.
        public Mime.MimeMessage Read(byte[] bytes) => Mime.MimeParser.Parse(bytes);
    }

    public sealed class Composer
    {
        // Bad: a parse in a lambda.
        public Func<byte[], Mime.MimeMessage> Parser() => bytes => Mime.MimeMessage.Parse(bytes);
    }
}

namespace Appliance.Tests.Architecture.LoadingHouse.Pop3
{
    public sealed class Retr(Storage.BlobStore blobs)
    {
        // Allowed: streaming a blob reads it asynchronously, a buffer at a time.
        public Stream? Open(string hash) => blobs.OpenRead(hash);
    }
}
