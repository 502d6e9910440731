using Appliance.Mail;
using Appliance.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Jobs;

/// <summary>
/// Deletes held mail older than <c>Appliance:Filtering:QuarantineDays</c>, once an hour; the blob sweeper then removes
/// the bodies nothing else holds.
/// </summary>
public sealed partial class QuarantineSweeper(Quarantine quarantine, ILogger<QuarantineSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                try
                {
                    var removed = await quarantine.ExpireAsync(stoppingToken).ConfigureAwait(false);
                    if (removed > 0)
                    {
                        LogExpired(logger, removed);
                    }
                }
                catch (Exception e) when (e is IOException or StorageException)
                {
                    LogFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping: the next start expires what is due.
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Deleted {Count} held messages past the quarantine's retention")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Expiring the quarantine failed; trying again next hour")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
