using System.Net;
using Appliance.Dns;
using Appliance.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Mail;

/// <summary>
/// Delivers queued mail: to a static route, the smarthost, or the recipient domain's MX hosts (RFC 5321
/// §5.1: by preference, the domain's own address when it has no MX). A temporary failure is retried with
/// growing pauses until the message's lifetime is over; a permanent one, or expiry, returns a DSN.
/// </summary>
public sealed partial class QueueRunner(
    OutboundQueue queue,
    IDnsResolver dns,
    Bouncer bouncer,
    MessageLog log,
    BlobStore blobs,
    SettingsRepository settings,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<QueueRunner> logger) : BackgroundService
{
    /// <summary>Also look at the queue this often without being woken, for retries that came due.</summary>
    private static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                await queue.WaitAsync(ScanInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or StorageException)
            {
                LogRunFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One pass over what is due; destinations in parallel, each message once per destination.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var due = await queue.DueAsync(500, cancellationToken).ConfigureAwait(false);
        if (due.Count == 0) return;
        var host = await settings.GetAsync(SettingKeys.HostName, cancellationToken).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
        var batches = due.GroupBy(r => (r.MessageId, r.Domain)).Select(g => g.ToList()).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelDeliveries, CancellationToken = cancellationToken },
            async (batch, token) => await DeliverAsync(batch, host, token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task DeliverAsync(List<QueuedRecipient> batch, string heloName, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var first = batch[0];
        var (destinations, failure) = await DestinationsAsync(first.Domain, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            await ConcludeAsync(batch, [.. batch.Select(r => new RecipientOutcome(r.Recipient, failure))], null, cancellationToken).ConfigureAwait(false);
            return;
        }
        RemoteReply lastError = new(451, "4.4.1 No destination answered");
        foreach (var (name, address, port, isSmarthost) in destinations)
        {
            var client = new SmtpClient(TimeSpan.FromSeconds(o.TimeoutSeconds));
            await using (client.ConfigureAwait(false))
            {
                try
                {
                    await client.ConnectAsync(name, address, port, heloName, requireTls: isSmarthost && o.SmarthostRequireTls,
                        validateCertificate: isSmarthost && o.SmarthostRequireTls, cancellationToken).ConfigureAwait(false);
                    if (isSmarthost && !string.IsNullOrEmpty(o.SmarthostUser))
                    {
                        await client.AuthenticateAsync(o.SmarthostUser, o.SmarthostPassword ?? "", cancellationToken).ConfigureAwait(false);
                    }
                    await using var message = blobs.OpenRead(first.BlobHash)
                        ?? throw new IOException($"The queued message's body {first.BlobHash} is missing.");
                    var outcomes = await client.SendAsync(first.Sender, [.. batch.Select(r => r.Recipient)], message, first.Size, cancellationToken).ConfigureAwait(false);
                    await client.QuitAsync(cancellationToken).ConfigureAwait(false);
                    await ConcludeAsync(batch, outcomes, client.RemoteName, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (RemoteReplyException e) when (!e.Reply.IsPermanent || !isSmarthost)
                {
                    // A greeting or EHLO refusal from one MX host: try the next (RFC 5321 §5.1).
                    lastError = e.Reply.IsPermanent ? new RemoteReply(451, $"4.4.0 {name} said: {e.Reply}") : e.Reply;
                }
                catch (RemoteReplyException e)
                {
                    await ConcludeAsync(batch, [.. batch.Select(r => new RecipientOutcome(r.Recipient, e.Reply))], name, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when ((e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or OperationCanceledException) && !cancellationToken.IsCancellationRequested)
                {
                    lastError = new RemoteReply(451, $"4.4.1 {name}[{address}]: {e.Message}");
                }
            }
        }
        await ConcludeAsync(batch, [.. batch.Select(r => new RecipientOutcome(r.Recipient, lastError))], null, cancellationToken).ConfigureAwait(false);
    }

    private async Task ConcludeAsync(List<QueuedRecipient> batch, IReadOnlyList<RecipientOutcome> outcomes, string? remote, CancellationToken cancellationToken)
    {
        var o = options.Value;
        foreach (var item in batch)
        {
            var reply = outcomes.First(x => x.Recipient == item.Recipient).Reply;
            if (reply.IsSuccess)
            {
                await queue.RemoveAsync(item.Id, cancellationToken).ConfigureAwait(false);
                await log.WriteAsync(MessageStatus.Delivered, item.Sender, item.Recipient, remote ?? "", "", item.Size, reply.ToString(), cancellationToken).ConfigureAwait(false);
                continue;
            }
            var expired = time.GetUtcNow() - item.CreatedAt >= TimeSpan.FromHours(o.MessageLifetimeHours);
            if (reply.IsPermanent || expired)
            {
                var status = reply.IsPermanent ? StatusOf(reply, "5.0.0") : "4.4.7";
                var diagnostic = expired && !reply.IsPermanent ? $"Message expired after {o.MessageLifetimeHours} hours; last error: {reply}" : reply.ToString();
                await bouncer.BounceAsync(item, status, diagnostic, remote, cancellationToken).ConfigureAwait(false);
                await queue.RemoveAsync(item.Id, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var wait = TimeSpan.FromMinutes(Math.Min(o.RetryMinutes * Math.Pow(2, item.Attempts), o.MaxRetryMinutes));
            await queue.DeferAsync(item.Id, time.GetUtcNow() + wait, reply.ToString(), cancellationToken).ConfigureAwait(false);
            await log.WriteAsync(MessageStatus.Deferred, item.Sender, item.Recipient, remote ?? "", "", item.Size, reply.ToString(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The enhanced status code at the start of the reply text, or a default (RFC 3463).</summary>
    private static string StatusOf(RemoteReply reply, string fallback)
    {
        var first = reply.Text.Split(' ', 2)[0];
        return first.Length >= 5 && char.IsDigit(first[0]) && first[1] == '.' ? first : fallback;
    }

    private async Task<(List<(string Name, IPAddress Address, int Port, bool Smarthost)> Destinations, RemoteReply? Failure)> DestinationsAsync(string domain, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var result = new List<(string, IPAddress, int, bool)>();
        if (o.Routes.TryGetValue(domain, out var route) || !string.IsNullOrEmpty(o.Smarthost))
        {
            var smarthost = route is null;
            var (name, port) = SplitHostPort(route ?? o.Smarthost!, 25);
            foreach (var address in await AddressesAsync(name, cancellationToken).ConfigureAwait(false))
            {
                result.Add((name, address, port, smarthost));
            }
            return result.Count == 0 ? (result, new RemoteReply(451, $"4.4.3 Cannot resolve {name}")) : (result, null);
        }
        var mx = await dns.ResolveMxAsync(domain, cancellationToken).ConfigureAwait(false);
        if (mx.IsTemporaryFailure) return (result, new RemoteReply(451, $"4.4.3 DNS lookup for {domain} failed ({mx.Status})"));
        if (mx.Status == DnsStatus.NameError) return (result, new RemoteReply(550, $"5.1.2 Domain {domain} does not exist"));
        var hosts = mx.Status == DnsStatus.Ok ? mx.Records.Select(r => r.Host).ToList() : [domain];
        if (hosts.Count == 1 && hosts[0].Length == 0) return (result, new RemoteReply(556, $"5.1.10 Domain {domain} accepts no mail (null MX)"));
        foreach (var host in hosts.Where(h => h.Length > 0))
        {
            foreach (var address in await AddressesAsync(host, cancellationToken).ConfigureAwait(false))
            {
                result.Add((host, address, o.MxPort, false));
            }
        }
        return result.Count == 0 ? (result, new RemoteReply(451, $"4.4.3 No address for the mail hosts of {domain}")) : (result, null);
    }

    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal)) return [literal];
        var answer = await dns.ResolveAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return answer.Status == DnsStatus.Ok ? answer.Records : [];
    }

    internal static (string Host, int Port) SplitHostPort(string value, int defaultPort)
    {
        var text = value.Trim();
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            var port = close + 2 < text.Length && text[close + 1] == ':' ? int.Parse(text[(close + 2)..], System.Globalization.CultureInfo.InvariantCulture) : defaultPort;
            return (text[1..close], port);
        }
        var colon = text.LastIndexOf(':');
        return colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon
            ? (text[..colon], int.Parse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            : (text, defaultPort);
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Error, Message = "Queue run failed; retrying shortly")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);
}

