using System.Buffers;
using System.Data.Common;
using System.Globalization;

namespace Appliance.Pop3;

/// <summary>The TRANSACTION state (RFC 1939 §5) and the UPDATE state that QUIT enters (§6).</summary>
public sealed partial class Pop3Session
{
    private Maildrop Maildrop => _maildrop!;

    private void Stat(Pop3Command command)
    {
        NoArguments(command);
        Write(Pop3Reply.Success($"{Maildrop.LiveCount} {Maildrop.LiveSize}"));
    }

    private void List(Pop3Command command) =>
        Listing(command, number => Maildrop[number].Size.ToString(CultureInfo.InvariantCulture));

    private void Uidl(Pop3Command command) => Listing(command, Maildrop.UniqueId);

    /// <summary>LIST and UIDL share their shape: one message with an argument, every live one without.</summary>
    private void Listing(Pop3Command command, Func<int, string> describe)
    {
        var parameters = command.Params;
        if (parameters.Length > 1)
        {
            throw new Pop3ReplyException(Pop3Reply.SyntaxError);
        }
        if (parameters.Length == 1)
        {
            var number = LiveMessage(parameters[0]);
            Write(Pop3Reply.Success($"{number} {describe(number)}"));
            return;
        }
        WriteMultiline(Pop3Reply.Success($"{Maildrop.LiveCount} messages ({Maildrop.LiveSize} octets)"),
            Maildrop.LiveNumbers().Select(n => $"{n} {describe(n)}"));
    }

    private async Task RetrAsync(Pop3Command command)
    {
        var parameters = command.Params;
        if (parameters.Length != 1)
        {
            throw new Pop3ReplyException(Pop3Reply.SyntaxError);
        }
        var number = LiveMessage(parameters[0]);
        await SendMessageAsync(number, new MessageEncoder(), $"{Maildrop[number].Size} octets").ConfigureAwait(false);
        // As Dovecot: a message read whole is \Seen in IMAP (TOP is a peek), written at QUIT with the deletions.
        Maildrop.Retrieved(number);
    }

    /// <summary>RFC 1939 §7: <c>TOP msg n</c>, the header, the blank line and n lines of the body.</summary>
    private Task TopAsync(Pop3Command command)
    {
        var parameters = command.Params;
        if (parameters.Length != 2)
        {
            throw new Pop3ReplyException(Pop3Reply.SyntaxError);
        }
        var number = LiveMessage(parameters[0]);
        if (!Pop3Command.TryParseNumber(parameters[1], out var lines))
        {
            throw new Pop3ReplyException(Pop3Reply.Error("Invalid number of lines"));
        }
        return SendMessageAsync(number, new MessageEncoder(bodyLines: lines), "top of message follows");
    }

    /// <summary>Streams the body through the encoder, flushing as it goes so that a large message never sits in memory.</summary>
    private async Task SendMessageAsync(int number, MessageEncoder encoder, string status)
    {
        var message = Maildrop[number];
        var body = _services.Blobs.OpenRead(message.BlobHash);
        if (body is null)
        {
            // Removed meanwhile (an IMAP expunge and the sweeper): nothing the client can fix but later.
            LogMissingBody(_services.Logger, _id, message.Uid, _user!.Address);
            throw new Pop3ReplyException(Pop3Reply.Error("Message is no longer available", "SYS/TEMP"));
        }
        await using (body.ConfigureAwait(false))
        {
            Write(Pop3Reply.Success(status));
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                int read;
                while (!encoder.IsDone && (read = await body.ReadAsync(buffer, _cancellation).ConfigureAwait(false)) > 0)
                {
                    encoder.Encode(buffer.AsSpan(0, read), Output);
                    var flushed = await Output.FlushAsync(_cancellation).ConfigureAwait(false);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        throw new IOException("the client stopped reading");
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            encoder.Complete(Output);
            Output.Write(".\r\n"u8);
        }
    }

    private void Dele(Pop3Command command)
    {
        var parameters = command.Params;
        if (parameters.Length != 1)
        {
            throw new Pop3ReplyException(Pop3Reply.SyntaxError);
        }
        var number = LiveMessage(parameters[0]);
        Maildrop.Delete(number);
        Write(Pop3Reply.Success($"Message {number} deleted"));
    }

    private void Rset(Pop3Command command)
    {
        NoArguments(command);
        Maildrop.Reset();
        Write(Pop3Reply.Success($"{Maildrop.LiveCount} messages ({Maildrop.LiveSize} octets)"));
    }

    private void Noop(Pop3Command command)
    {
        NoArguments(command);
        Write(Pop3Reply.Success(""));
    }

    /// <summary>
    /// RFC 1939 §6: QUIT from TRANSACTION removes the marked messages, in one database transaction, so
    /// either all go or none do; then open IMAP sessions are told.
    /// </summary>
    private async Task UpdateAsync()
    {
        var seen = Maildrop.RetrievedUids();
        if (seen.Count > 0)
        {
            try
            {
                await _services.Store.StoreFlagsAsync(Maildrop.MailboxId, [.. seen], '+', ["\\Seen"], null, _cancellation).ConfigureAwait(false);
                _services.Events.Changed(Maildrop.MailboxId);
            }
            catch (DbException e)
            {
                // The flags are a courtesy to IMAP; failing them must not keep the deletions from happening.
                LogStorageFailed(_services.Logger, _id, _user!.Address, e);
            }
        }
        var uids = Maildrop.DeletedUids();
        if (uids.Count > 0)
        {
            try
            {
                await _services.Store.DeleteMessagesAsync(Maildrop.MailboxId, [.. uids], _cancellation).ConfigureAwait(false);
            }
            catch (DbException e)
            {
                LogStorageFailed(_services.Logger, _id, _user!.Address, e);
                Write(Pop3Reply.Error("Could not remove the deleted messages; none were removed", "SYS/TEMP"));
                return;
            }
            _services.Events.Changed(Maildrop.MailboxId);
        }
        LogDeleted(_services.Logger, _id, _user!.Address, uids.Count);
        var left = Maildrop.LiveCount;
        Write(Pop3Reply.Success($"{_services.HostName} POP3 Appliance signing off ({left} messages left)"));
    }

    /// <summary>The number of a message that exists and is not marked deleted, or the RFC 1939 refusal.</summary>
    private int LiveMessage(string text)
    {
        if (!Pop3Command.TryParseNumber(text, out var number))
        {
            throw new Pop3ReplyException(Pop3Reply.Error("Invalid message number"));
        }
        if (number < 1 || number > Maildrop.Count)
        {
            throw new Pop3ReplyException(Pop3Reply.NoSuchMessage);
        }
        if (Maildrop.IsDeleted(number))
        {
            throw new Pop3ReplyException(Pop3Reply.Error($"Message {number} already deleted"));
        }
        return number;
    }
}
