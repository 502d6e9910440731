using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Appliance.Storage;

/// <summary>
/// Opens connections to the appliance's SQLite database. The PRAGMAs that are per connection are set
/// here, once, when a connection opens; WAL mode is persistent and set by <see cref="Migrator"/>.
/// Every failure of a connection it opens, from opening to the last row read, is a <see cref="StorageException"/>.
/// </summary>
public sealed class Database
{
    private static int s_initialized;
    // SQLite handles whose per-connection PRAGMAs are set. The pool hands the same handle out again and
    // it keeps its PRAGMAs; setting them on every open parsed three statements per open, several opens
    // per message (Migrator turns foreign_keys off and back on, so the handle leaves it as it found it).
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = [];
    private static readonly object s_marker = new();
    private readonly string _connectionString;
    private readonly int _busyTimeout;

    public Database(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Interlocked.Exchange(ref s_initialized, 1) == 0)
        {
            SQLitePCL.Batteries_V2.Init();
            Sql.Configure();
        }
        var o = options.Value;
        Directory.CreateDirectory(o.FullDataDirectory);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = o.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
        _busyTimeout = o.BusyTimeoutMilliseconds;
        Path = o.DatabasePath;
    }

    public string Path { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new StorageConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (connection.Handle is { } handle && _configured.TryGetValue(handle, out _))
            {
                return connection;
            }
            using var command = connection.CreateCommand();
            // synchronous=FULL: a commit is on disk when it returns, which is what lets SMTP say 250.
            command.CommandText = $"PRAGMA foreign_keys=ON; PRAGMA busy_timeout={_busyTimeout}; PRAGMA synchronous=FULL;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (connection.Handle is { } configured)
            {
                _configured.AddOrUpdate(configured, s_marker);
            }
            return connection;
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw StorageException.From(e);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Makes the next open of this connection's handle set the per-connection PRAGMAs again (for code that changes them).</summary>
    internal void ForgetSettings(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Handle is { } handle)
        {
            _configured.Remove(handle);
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction that commits only if it returns normally.</summary>
    public async Task<T> InTransactionAsync<T>(Func<SqliteConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // Microsoft.Data.Sqlite begins IMMEDIATE unless asked to defer: BEGIN IMMEDIATE takes the write lock up front, so two writers never deadlock on upgrade.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    public Task InTransactionAsync(Func<SqliteConnection, DbTransaction, Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return InTransactionAsync<bool>(async (c, t) => { await work(c, t).ConfigureAwait(false); return true; }, cancellationToken);
    }
}
