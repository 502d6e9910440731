using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Appliance.Storage;

/// <summary>
/// Runs short write transactions from many callers together, as one SQLite transaction. With
/// <c>synchronous=FULL</c> every commit waits for an fsync of the WAL, and SQLite lets one writer in
/// at a time: ten SMTP sessions finishing their DATA at once would queue for ten fsyncs. Here they
/// share one. Each caller's work runs in its own savepoint, so one that fails is undone alone and
/// the others commit; every caller returns only after the commit that holds its work is on disk.
/// </summary>
public sealed class GroupCommit : IAsyncDisposable
{
    /// <summary>Most pieces of work in one transaction: bounds how long the first of them waits.</summary>
    public const int MaxBatch = 64;

    private readonly Database _database;
    private readonly Channel<Work> _pending = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private SqliteConnection? _connection;

    public GroupCommit(Database database)
    {
        _database = database;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside a shared transaction and returns once that transaction is
    /// committed. An exception from the work undoes just that work and is thrown here. Once queued, the
    /// work is not withdrawn on cancellation: it may commit while the caller has stopped waiting.
    /// </summary>
    public async Task RunAsync(Func<SqliteConnection, DbTransaction, Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new Work(work, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(GroupCommit));
        }
        await item.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteAsync()
    {
        var batch = new List<Work>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            await CommitAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(List<Work> batch)
    {
        var succeeded = new List<Work>(batch.Count);
        try
        {
            // One connection for the writer's life: its commands keep their statements prepared (Statements).
            var connection = _connection ??= await _database.OpenAsync().ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync().ConfigureAwait(false);
            foreach (var work in batch)
            {
                // One name for every savepoint: each is released before the next begins.
                await Statements.ExecuteAsync(connection, transaction, "SAVEPOINT work").ConfigureAwait(false);
                try
                {
                    await work.Run(connection, transaction).ConfigureAwait(false);
                    await Statements.ExecuteAsync(connection, transaction, "RELEASE work").ConfigureAwait(false);
                    succeeded.Add(work);
                }
#pragma warning disable CA1031 // The failure belongs to the caller whose work it was; it is handed back to them.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    await Statements.ExecuteAsync(connection, transaction, "ROLLBACK TO work").ConfigureAwait(false);
                    await Statements.ExecuteAsync(connection, transaction, "RELEASE work").ConfigureAwait(false);
                    work.Done.TrySetException(e);
                }
            }
            await transaction.CommitAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed commit fails every caller in it; the writer goes on with the next batch.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // Start the next batch on a fresh connection: this one may be in a state nobody can see.
            if (_connection is { } broken)
            {
                _connection = null;
                await broken.DisposeAsync().ConfigureAwait(false);
            }
            foreach (var work in batch)
            {
                work.Done.TrySetException(e);
            }
            return;
        }
        foreach (var work in succeeded)
        {
            work.Done.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed record Work(Func<SqliteConnection, DbTransaction, Task> Run, TaskCompletionSource Done);
}
