using Appliance.Filtering.Uce;
using Appliance.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Jobs;

/// <summary>
/// Forgets greylisting triplets and auto-allowed clients past their expiry, and triplets never retried within the
/// retry window (the console's greylisting settings), once an hour: without it the table grows by one row per
/// first contact, forever.
/// </summary>
public sealed partial class GreylistSweeper(Greylisting greylisting, UceSettingsStore settings, ILogger<GreylistSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>One sweep; returns how many rows went.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var server = await settings.GetServerAsync(cancellationToken).ConfigureAwait(false);
        return await greylisting.PurgeAsync(server.Greylisting, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                try
                {
                    var removed = await SweepAsync(stoppingToken).ConfigureAwait(false);
                    if (removed > 0)
                    {
                        LogPurged(logger, removed);
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
            // Stopping: the next start sweeps what is due.
        }
    }

    [LoggerMessage(EventId = 5211, Level = LogLevel.Information, Message = "Forgot {Count} expired greylisting entries")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(EventId = 5212, Level = LogLevel.Warning, Message = "Purging the greylist failed; trying again next hour")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
