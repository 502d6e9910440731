using System.Globalization;
using Appliance.Filtering;
using Appliance.Mail;
using Appliance.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Jobs;

/// <summary>
/// Once a day at <see cref="FilteringOptions.DigestHour"/>, mails each user who has messages held since the last
/// digest a list of them (<see cref="QuarantineDigestText"/>), delivered locally like any other mail. The end of the
/// period a digest covered is kept in the settings table (<see cref="LastKey"/>) before the mail goes, so a restart
/// never sends the same digest twice; a digest missed while the server was down is sent when it starts.
/// </summary>
public sealed partial class QuarantineDigest(
    Quarantine quarantine,
    QuarantineDigestText text,
    RecipientResolver recipients,
    DeliveryAgent delivery,
    SettingsRepository settings,
    IOptions<FilteringOptions> options,
    TimeProvider time,
    ILogger<QuarantineDigest> logger) : BackgroundService
{
    public const string LastKey = "quarantine.digest.last";

    /// <summary>The first digest, with no marker yet, covers the day before: not every message held since the server was installed.</summary>
    private static readonly TimeSpan FirstPeriod = TimeSpan.FromDays(1);

    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>Sends the digests for what was held since the last one, now; returns how many users got one.</summary>
    public async Task<int> SendAsync(CancellationToken cancellationToken = default)
    {
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var since = await LastAsync(cancellationToken).ConfigureAwait(false) ?? now - FirstPeriod;
            var held = await quarantine.HeldBetweenAsync(since, now, cancellationToken).ConfigureAwait(false);
            // At most once: the marker moves before the mail goes, so a crash half-way skips a digest rather than repeating one.
            await settings.SetAsync(LastKey, now.ToString("O", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            if (held.Count == 0)
            {
                return 0;
            }
            var host = await settings.GetAsync(SettingKeys.HostName, cancellationToken).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
            var language = await settings.GetAsync(SettingKeys.Language, cancellationToken).ConfigureAwait(false) ?? "en";
            var baseUrl = options.Value.DigestBaseUrl.Length > 0 ? options.Value.DigestBaseUrl : $"https://{host}";
            var sent = 0;
            foreach (var group in held.GroupBy(e => e.Recipient, StringComparer.OrdinalIgnoreCase))
            {
                var (status, recipient) = await recipients.ResolveAsync(group.Key, cancellationToken).ConfigureAwait(false);
                if (status != RecipientStatus.Ok || recipient is null || recipient.Local.Count == 0)
                {
                    // The user is gone since the message was held; the administrator's page still lists it.
                    continue;
                }
                var items = group.Select(e => new DigestItem(e.Id, e.Sender, e.Subject, e.HeldAt, Reason(e))).ToList();
                var digest = text.Compose(host, baseUrl, group.Key, items, options.Value.QuarantineDays, language, now);
                var envelope = new Envelope("", [recipient], new TraceInfo(host, System.Net.IPAddress.Loopback, "localhost", "local", null));
                await delivery.AcceptAsync(envelope, () => new MemoryStream(digest), cancellationToken).ConfigureAwait(false);
                sent++;
            }
            LogSent(logger, sent, held.Count);
            return sent;
        }
        finally
        {
            _running.Release();
        }
    }

    private static string Reason(QuarantineEntry entry) => entry.Detail.Length > 0 ? $"{entry.Reason}: {entry.Detail}" : entry.Reason;

    private async Task<DateTimeOffset?> LastAsync(CancellationToken cancellationToken)
    {
        var value = await settings.GetAsync(LastKey, cancellationToken).ConfigureAwait(false);
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var last) ? last : null;
    }

    /// <summary>The latest time the digest was due at or before <paramref name="now"/>: today's hour, or yesterday's.</summary>
    public static DateTimeOffset LastDue(DateTimeOffset now, int hour, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var today = new DateTimeOffset(local.Year, local.Month, local.Day, hour, 0, 0, local.Offset);
        return today <= local ? today : today.AddDays(-1);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DigestEnabled)
        {
            return;
        }
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var due = LastDue(now, options.Value.DigestHour, time.LocalTimeZone);
                try
                {
                    var last = await LastAsync(stoppingToken).ConfigureAwait(false);
                    if (last is null || last < due)
                    {
                        await SendAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is IOException or StorageException)
                {
                    LogFailed(logger, e);
                }
                var wait = due.AddDays(1) - time.GetUtcNow();
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMinutes(1), time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the next start sends a digest that fell due meanwhile.
        }
    }

    public override void Dispose()
    {
        _running.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 5221, Level = LogLevel.Information, Message = "Sent the quarantine digest to {Users} users for {Messages} held messages")]
    private static partial void LogSent(ILogger logger, int users, int messages);

    [LoggerMessage(EventId = 5222, Level = LogLevel.Warning, Message = "Sending the quarantine digest failed; trying again at the next hour it is due")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
