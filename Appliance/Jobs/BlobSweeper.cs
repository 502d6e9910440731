using Appliance.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Jobs;

/// <summary>
/// Removes message bodies nothing refers to any more (deleted messages, delivered queue entries), once an
/// hour, after a grace hour that covers deliveries between storing their bytes and committing their rows.
/// </summary>
public sealed partial class BlobSweeper(BlobStore blobs, ILogger<BlobSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    public static readonly TimeSpan GracePeriod = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            await SweepEveryIntervalAsync(timer, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping, or the host failed to start and is being disposed: nothing to finish.
        }
    }

    private async Task SweepEveryIntervalAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        do
        {
            try
            {
                var removed = await blobs.SweepAsync(GracePeriod, stoppingToken).ConfigureAwait(false);
                if (removed > 0)
                {
                    LogSwept(logger, removed);
                }
            }
            catch (Exception e) when (e is IOException or StorageException)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Removed {Count} unreferenced message bodies")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Sweeping unreferenced message bodies failed; trying again next hour")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
