namespace Appliance.Hosting;

/// <summary>One error the server logged.</summary>
public sealed record LoggedError(DateTimeOffset At, LogLevel Level, string Category, int EventId, string Message);

/// <summary>
/// The last errors the server logged (level Error and above), kept in memory for the administrator's dashboard:
/// the journal keeps them all, but an office manager looks at the console, not at journalctl. Gone at restart.
/// </summary>
public sealed class RecentErrors(TimeProvider time) : ILoggerProvider
{
    /// <summary>How many are kept: enough to see a pattern, small enough that a storm of errors costs nothing.</summary>
    public const int Capacity = 50;

    /// <summary>A message longer than this is cut: a stack of inner exceptions belongs in the journal.</summary>
    public const int MaxMessageLength = 600;

    private readonly Lock _gate = new();
    private readonly Queue<LoggedError> _errors = new();

    /// <summary>The newest first.</summary>
    public IReadOnlyList<LoggedError> Latest(int count)
    {
        lock (_gate)
        {
            return [.. _errors.Reverse().Take(count)];
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LoggedError error)
    {
        lock (_gate)
        {
            if (_errors.Count == Capacity)
            {
                _errors.Dequeue();
            }
            _errors.Enqueue(error);
        }
    }

    private sealed class Logger(RecentErrors owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Error and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += $" ({exception.GetType().Name}: {exception.Message})";
            }
            if (message.Length > MaxMessageLength)
            {
                message = string.Concat(message.AsSpan(0, MaxMessageLength - 1), "…");
            }
            owner.Add(new LoggedError(owner.Now(), logLevel, category, eventId.Id, message));
        }
    }

    private DateTimeOffset Now() => time.GetUtcNow();
}
