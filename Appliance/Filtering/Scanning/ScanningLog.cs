using Microsoft.Extensions.Logging;

namespace Appliance.Filtering.Scanning;

/// <summary>Log events 9201–9229: the spam and virus scanners.</summary>
internal static partial class ScanningLog
{
    [LoggerMessage(EventId = 9201, Level = LogLevel.Debug, Message = "spamd at {Endpoint} scored {Score}/{Threshold} with {Symbols} symbols in {Milliseconds} ms")]
    public static partial void SpamdScored(ILogger logger, string endpoint, double score, double threshold, int symbols, long milliseconds);

    [LoggerMessage(EventId = 9202, Level = LogLevel.Warning, Message = "spamd at {Endpoint} gave no verdict ({Kind}): {Detail}")]
    public static partial void SpamdFailed(ILogger logger, string endpoint, ScanFailureKind kind, string detail);

    [LoggerMessage(EventId = 9211, Level = LogLevel.Debug, Message = "clamd at {Endpoint} found {Bytes} bytes clean in {Milliseconds} ms")]
    public static partial void ClamdClean(ILogger logger, string endpoint, long bytes, long milliseconds);

    [LoggerMessage(EventId = 9212, Level = LogLevel.Information, Message = "clamd at {Endpoint} found {Virus}")]
    public static partial void ClamdFound(ILogger logger, string endpoint, string virus);

    [LoggerMessage(EventId = 9213, Level = LogLevel.Warning, Message = "clamd at {Endpoint} gave no verdict ({Kind}): {Detail}")]
    public static partial void ClamdFailed(ILogger logger, string endpoint, ScanFailureKind kind, string detail);

    [LoggerMessage(EventId = 9221, Level = LogLevel.Debug, Message = "rspamd at {Endpoint} scored {Score} ({Action}) with {Symbols} symbols in {Milliseconds} ms")]
    public static partial void RspamdScored(ILogger logger, string endpoint, double score, string action, int symbols, long milliseconds);

    [LoggerMessage(EventId = 9222, Level = LogLevel.Warning, Message = "rspamd at {Endpoint} gave no verdict ({Kind}): {Detail}")]
    public static partial void RspamdFailed(ILogger logger, string endpoint, ScanFailureKind kind, string detail);
}
