using System.Buffers;
using Appliance.Mime;
using Appliance.Storage;

namespace Appliance.Mailstore;

/// <summary>How long what <see cref="MessageLoader.LoadAsync"/> returns may be used.</summary>
public enum MessageLifetime
{
    /// <summary>Until the <see cref="LoadedMessage"/> is disposed: the bytes are pooled or mapped, and nothing may keep a part of them.</summary>
    Scoped,

    /// <summary>As long as the caller holds the message (a draft or the original of a reply in the composer): the bytes are an array of their own.</summary>
    Owned,
}

/// <summary>
/// A stored message as one scope holds it: its bytes and, parsed on first use with the <c>Appliance:Mime</c> limits,
/// its part tree over them. Dispose it; with <see cref="MessageLifetime.Scoped"/> everything that points into
/// <see cref="Bytes"/> or <see cref="Message"/> is invalid afterwards, so copy what must stay.
/// </summary>
public sealed class LoadedMessage : IDisposable
{
    private readonly IMemoryOwner<byte>? _owner;
    private readonly MimeParserOptions _options;
    private MimeMessage? _message;

    internal LoadedMessage(IMemoryOwner<byte>? owner, ReadOnlyMemory<byte> bytes, MimeParserOptions options)
    {
        _owner = owner;
        _options = options;
        Bytes = bytes;
    }

    /// <summary>The message as stored, byte for byte.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The parsed message: CPU only, the bytes are already in memory.</summary>
    public MimeMessage Message => _message ??= MimeMessage.Parse(Bytes, _options);

    public void Dispose() => _owner?.Dispose();
}

/// <summary>
/// The one way a stored message is read from its blob for reading (IMAP FETCH and SEARCH, the webmail's reading pane,
/// part downloads and the composer's reply, forward and draft, the summaries and the text index): asynchronously
/// (<see cref="BlobStore.ReadAsync"/>, so no session's thread waits on the disk) and parsed with the same
/// <c>Appliance:Mime</c> limits everywhere, so that a mail bomb costs every path the same bounded share.
/// What streams a blob without parsing it (POP3 RETR and TOP, the outbound queue, bounces) reads it through
/// <see cref="BlobStore.OpenRead"/>, whose every read is asynchronous. An architecture rule
/// (<c>MessageLoadingRules</c>) keeps parsing and whole-blob reads here.
/// </summary>
public sealed class MessageLoader(BlobStore blobs, MimeParserOptions parserOptions)
{
    /// <summary>The parser's limits every loaded message is cut by.</summary>
    public MimeParserOptions ParserOptions => parserOptions;

    /// <summary>A message of no bytes, for a path that judges a body gone meanwhile as empty (IMAP SEARCH).</summary>
    public LoadedMessage Empty => new(null, ReadOnlyMemory<byte>.Empty, parserOptions);

    /// <summary>
    /// A message in memory that is not (or not yet) a blob, such as one a filter reads from a stream up to its limit,
    /// parsed with the same limits as stored ones. The caller keeps <paramref name="bytes"/> alive while it is used.
    /// </summary>
    public LoadedMessage FromBytes(ReadOnlyMemory<byte> bytes) => new(null, bytes, parserOptions);

    /// <summary>
    /// A message in memory as MimeKit reads it, for the code that works on MimeKit's model (the Sieve interpreter, as
    /// DKIM's signer does). Kept here so that every parse of mail goes through the loader.
    /// </summary>
    public static MimeKit.MimeMessage ForMimeKit(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes ?? throw new ArgumentNullException(nameof(bytes)), writable: false);
        return MimeKit.MimeMessage.Load(stream);
    }

    /// <summary>The message stored as <paramref name="hash"/>, or null when its blob is gone (expunged and swept meanwhile).</summary>
    public async Task<LoadedMessage?> LoadAsync(string hash, MessageLifetime lifetime = MessageLifetime.Scoped, CancellationToken cancellationToken = default)
    {
        var content = await blobs.ReadAsync(hash, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }
        if (lifetime == MessageLifetime.Scoped)
        {
            return new LoadedMessage(content, content.Memory, parserOptions);
        }
        using (content)
        {
            return new LoadedMessage(null, content.Memory.ToArray(), parserOptions);
        }
    }
}
