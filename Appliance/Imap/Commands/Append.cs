using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.3.11 APPEND with MULTIAPPEND (RFC 3502) and literal8 (BINARY, RFC 3516), answering APPENDUID
/// (RFC 4315) with the UID set of every message. All the messages are stored or none: the blobs are fsynced,
/// then one transaction checks the quota for their sum and commits every row, before the OK. Over quota is
/// NO [OVERQUOTA] (RFC 9208), a missing folder NO [TRYCREATE], a message over the size limit NO [TOOBIG].
/// CATENATE (RFC 4469) builds a message from TEXT literals and URLs of messages already here (<see cref="Catenate"/>).
/// </summary>
public sealed class AppendCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["APPEND"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = AppendArguments.Parse(request.Args, session.Enabled.Contains("UTF8=ACCEPT"));
        var name = arguments.Mailbox;
        var user = session.User!;
        var store = session.Services.Store;
        var resolved = await MailboxResolver.RequireAsync(session, name, 'i', MailboxResolver.IsShared(name) ? "NONEXISTENT" : "TRYCREATE").ConfigureAwait(false);
        var mailbox = resolved.State;
        // The mailbox's owner pays for it in their quota.
        var ownerQuota = resolved.Personal ? user.QuotaBytes : await store.QuotaOfAsync(resolved.OwnerId, session.Cancellation).ConfigureAwait(false);
        var mayFlag = resolved.Has('w') || resolved.Has('s') || resolved.Has('t');
        var now = DateTimeOffset.UtcNow;
        var spool = request.Args.Spool;
        // CATENATE's messages are assembled in a spool of their own (the command's may hold none), gone after the command.
        await using var catenated = arguments.Messages.Any(m => m.Catenate) ? new LiteralSpool(session.Services.SpoolDirectory) : null;
        var messages = new List<NewMessage>(arguments.Messages.Count);
        foreach (var message in arguments.Messages)
        {
            var flags = mayFlag ? MessageFlags.Format(message.Flags) : "";
            if (message.Catenate)
            {
                // Every URL is resolved before anything is stored: one BADURL and no message of the command is (RFC 3502 §6.3.11).
                var assembled = await Catenate.AssembleAsync(session, message, spool, catenated!, session.Services.Options.MaxAppendSize - catenated!.Length).ConfigureAwait(false);
                messages.Add(new NewMessage(() => catenated.OpenRead(assembled), assembled.Length, flags, message.InternalDate ?? now));
                continue;
            }
            var literal = message.Literal;
            if (literal.Length > session.Services.Options.MaxLiteralSize)
            {
                throw new ImapNoException("TOOBIG", "Message too large");
            }
            messages.Add(new NewMessage(() => Open(literal, spool), literal.Length, flags, message.InternalDate ?? now));
        }
        // Over quota comes back as MailboxException OVERQUOTA, which the session writes as NO [OVERQUOTA].
        var uids = await session.Services.Writer.AppendMessagesAsync(mailbox.Id, resolved.OwnerId, ownerQuota, messages, mailbox.SeenReader(user.Id), session.Cancellation).ConfigureAwait(false);
        await session.OkAsync(request, string.Create(CultureInfo.InvariantCulture, $"[APPENDUID {mailbox.Uidvalidity} {UidSet(uids)}] APPEND completed")).ConfigureAwait(false);
    }

    private static Stream Open(ImapLiteral literal, LiteralSpool? spool) =>
        literal.Spooled is { } spooled
            ? spool!.OpenRead(spooled)
            : new MemoryStream(literal.Bytes.ToArray(), writable: false);

    /// <summary><c>uid-set = (uniqueid / uid-range) *("," uid-set)</c> (RFC 4315 §4), runs of consecutive UIDs as ranges.</summary>
    internal static string UidSet(IReadOnlyList<long> uids)
    {
        var text = new StringBuilder();
        for (var i = 0; i < uids.Count;)
        {
            var j = i;
            while (j + 1 < uids.Count && uids[j + 1] == uids[j] + 1)
            {
                j++;
            }
            if (text.Length > 0)
            {
                text.Append(',');
            }
            text.Append(CultureInfo.InvariantCulture, $"{uids[i]}");
            if (j > i)
            {
                text.Append(CultureInfo.InvariantCulture, $":{uids[j]}");
            }
            i = j + 1;
        }
        return text.ToString();
    }
}
