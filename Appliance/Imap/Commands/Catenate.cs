using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;
using Appliance.Mime;

namespace Appliance.Imap.Commands;

/// <summary>
/// APPEND's CATENATE data (RFC 4469): the TEXT literals and the messages or sections that URL parts name, in order,
/// written to the command's spool as one new message. A URL must name a message of this server that the user may
/// read ('r', RFC 4314), in a mailbox of theirs or one shared with them; anything else is NO [BADURL url]. The
/// message grows no bigger than MaxLiteralSize, nor all of one command's past MaxAppendSize: NO [TOOBIG]. Reading
/// through a URL never sets \Seen (it is not a FETCH).
/// </summary>
internal static class Catenate
{
    private const int MaxUrlInReply = 1024;

    /// <summary>Writes the parts of <paramref name="message"/> to <paramref name="spool"/>; <paramref name="room"/> is what the command may still add.</summary>
    public static async Task<SpooledLiteral> AssembleAsync(ImapSession session, AppendMessage message, LiteralSpool? source, LiteralSpool spool, long room)
    {
        var limit = Math.Min(room, session.Services.Options.MaxLiteralSize);
        var start = spool.Begin();
        var hasNul = false;
        foreach (var part in message.Parts)
        {
            var written = spool.Length - start;
            if (part.Literal is { } literal)
            {
                if (literal.Length > limit - written)
                {
                    throw TooBig(session);
                }
                hasNul |= literal.HasNul;
                if (literal.Spooled is { } spooled)
                {
                    await using var read = source!.OpenRead(spooled);
                    var buffer = new byte[81920];
                    int count;
                    while ((count = await read.ReadAsync(buffer, session.Cancellation).ConfigureAwait(false)) > 0)
                    {
                        await spool.WriteAsync(buffer.AsMemory(0, count), session.Cancellation).ConfigureAwait(false);
                    }
                }
                else
                {
                    await spool.WriteAsync(literal.Bytes, session.Cancellation).ConfigureAwait(false);
                }
            }
            else
            {
                hasNul |= await WriteUrlAsync(session, part.Url!, spool, limit - written).ConfigureAwait(false);
            }
        }
        return spool.End(start, hasNul);
    }

    /// <summary>Resolves one URL part (RFC 4469 §3, RFC 5092) and writes its bytes; true when they hold a NUL.</summary>
    private static async Task<bool> WriteUrlAsync(ImapSession session, string url, LiteralSpool spool, long room)
    {
        var user = session.User!;
        if (!ImapUrl.TryParse(url, session.SelectedName, session.Selected?.Uidvalidity ?? 0, out var parsed)
            // Another server's or another user's URL: this session cannot act for them (RFC 4469 §3 wants URLAUTH for that).
            || (parsed!.Host is { } host && !host.Equals(session.Services.HostName, StringComparison.OrdinalIgnoreCase))
            || (parsed.User is { } owner && !owner.Equals(user.Address, StringComparison.OrdinalIgnoreCase)))
        {
            throw BadUrl(url);
        }
        // A mailbox the user may not read looks the same as one that does not exist: nothing leaks.
        var resolved = await MailboxResolver.ResolveAsync(session, parsed.Mailbox).ConfigureAwait(false);
        if (resolved is null || !resolved.Has('r') || (parsed.Uidvalidity is { } validity && validity != resolved.State.Uidvalidity))
        {
            throw BadUrl(url);
        }
        var rows = await session.Services.Store.MessagesByUidAsync(resolved.State.Id, [parsed.Uid], resolved.State.SeenReader(user.Id), session.Cancellation).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            throw BadUrl(url);
        }
        using var loaded = await session.Services.Messages.LoadAsync(rows[0].BlobHash, MessageLifetime.Scoped, session.Cancellation).ConfigureAwait(false)
            ?? throw new ImapNoException("SERVERBUG", "A message body is missing from the store");
        var bytes = loaded.Bytes;
        if (parsed.Section is { } section && (!ImapSection.TryGetSection(loaded.Message, section, out bytes, out var exists) || !exists))
        {
            throw BadUrl(url);
        }
        if (parsed.PartialOffset is { } offset)
        {
            // RFC 5092 §5: octets from the offset, as FETCH BODY[]<o.l> would return them.
            var from = (int)Math.Min(offset, bytes.Length);
            bytes = bytes.Slice(from, (int)Math.Min(parsed.PartialLength ?? long.MaxValue, bytes.Length - from));
        }
        if (bytes.Length > room)
        {
            throw TooBig(session);
        }
        await spool.WriteAsync(bytes, session.Cancellation).ConfigureAwait(false);
        return bytes.Span.Contains((byte)0);
    }

    private static ImapNoException TooBig(ImapSession session) =>
        new("TOOBIG", $"The catenated message is too large (the limit is {session.Services.Options.MaxLiteralSize.ToString(System.Globalization.CultureInfo.InvariantCulture)} octets)");

    /// <summary><c>"BADURL" SP url-resp-text</c>: the URL as sent, bare, without ']' or controls (RFC 4469 §5 and erratum 2002).</summary>
    private static ImapNoException BadUrl(string url)
    {
        var text = new StringBuilder();
        foreach (var c in url)
        {
            if (text.Length == MaxUrlInReply)
            {
                break;
            }
            if (c is > ' ' and <= '~' and not ']' || c == ' ')
            {
                text.Append(c);
            }
        }
        return new ImapNoException(text.Length == 0 ? "BADURL \"\"" : "BADURL " + text, "CATENATE: the URL names no message part this user may read");
    }
}
