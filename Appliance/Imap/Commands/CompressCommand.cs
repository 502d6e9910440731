namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 4978 COMPRESS DEFLATE: after the tagged OK both directions are raw deflate streams (RFC 1951), inside TLS
/// when TLS is on (RFC 4978 §3 puts compression above TLS). Only once signed in, as Dovecot offers it: before that
/// a client could still ask for STARTTLS, which must come first. Once on, a second COMPRESS is NO [COMPRESSIONACTIVE].
/// <c>compress = "COMPRESS" SP algorithm</c>, <c>algorithm = "DEFLATE"</c> (RFC 4978 §5).
/// </summary>
public sealed class CompressCommand : ImapCommand
{
    public const string Capability = "COMPRESS=DEFLATE";

    public override IReadOnlyList<string> Names => ["COMPRESS"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        if (!session.Services.Options.Compress)
        {
            throw new Parsing.ImapSyntaxException("Unknown command COMPRESS");
        }
        request.Args.ReadSpace();
        var algorithm = request.Args.ReadAtom();
        request.Args.ExpectEnd();
        if (algorithm != "DEFLATE")
        {
            throw new Parsing.ImapSyntaxException($"Unknown compression algorithm {algorithm}");
        }
        if (session.IsCompressed)
        {
            throw new ImapNoException("COMPRESSIONACTIVE", "DEFLATE is already active");
        }
        await session.OkAsync(request, "DEFLATE active").ConfigureAwait(false);
        // The OK goes out as plain text; everything after it, both ways, is compressed.
        await session.FlushAsync().ConfigureAwait(false);
        session.StartCompression();
    }
}
