using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Appliance.Storage;

/// <summary>
/// Runs a statement through a command kept prepared on its connection, for the few statements that run
/// for every message on <see cref="GroupCommit"/>'s long-lived connection. Dapper makes a new command
/// for each call, and Microsoft.Data.Sqlite keeps a prepared statement only as long as its command: each
/// delivery parsed and planned its five statements (and their triggers) again, a fifth of the CPU in
/// the profile of <c>bench/smtp.sh</c>. Parameters are bound by name on each call; values are converted
/// as <see cref="Sql"/> has Dapper convert them (a time is ISO 8601 text in UTC).
/// </summary>
internal static class Statements
{
    /// <summary>Runs <paramref name="sql"/>; returns the number of rows it changed.</summary>
    public static Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var (command, owned) = Bind(connection, transaction, sql, parameters);
        return owned ? DisposeAfter(command, command.ExecuteNonQueryAsync()) : command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <paramref name="sql"/> and returns the first column of its first row, or null when there is none.</summary>
    public static Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var (command, owned) = Bind(connection, transaction, sql, parameters);
        return owned ? DisposeAfter(command, command.ExecuteScalarAsync()) : command.ExecuteScalarAsync();
    }

    /// <summary>Runs <paramref name="sql"/> and returns the first two columns of its one row as integers.</summary>
    /// <exception cref="InvalidOperationException">The statement returned no row.</exception>
    public static Task<(long, long)> PairAsync(DbConnection connection, DbTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var (command, owned) = Bind(connection, transaction, sql, parameters);
        return ReadPairAsync(command, owned);
    }

    private static async Task<(long, long)> ReadPairAsync(SqliteCommand command, bool owned)
    {
        try
        {
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            if (!await reader.ReadAsync().ConfigureAwait(false))
            {
                throw new InvalidOperationException("The statement returned no row.");
            }
            return (reader.GetInt64(0), reader.GetInt64(1));
        }
        finally
        {
            if (owned)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<T> DisposeAfter<T>(SqliteCommand command, Task<T> running)
    {
        await using (command.ConfigureAwait(false))
        {
            return await running.ConfigureAwait(false);
        }
    }

    /// <returns>The command with its parameters set, and whether the caller must dispose it (a connection that does not keep statements).</returns>
    private static (SqliteCommand Command, bool Owned) Bind(DbConnection connection, DbTransaction? transaction, string sql, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        SqliteCommand command;
        bool owned;
        if (connection is StorageConnection storage)
        {
            command = storage.Statement(sql);
            owned = false;
        }
        else
        {
            command = (SqliteCommand)connection.CreateCommand();
            command.CommandText = sql;
            owned = true;
        }
        command.Transaction = (SqliteTransaction?)transaction;
        var bound = command.Parameters;
        // The same call site passes the same names in the same order: set the values in place.
        var same = bound.Count == parameters.Length;
        for (var i = 0; same && i < parameters.Length; i++)
        {
            same = string.Equals(bound[i].ParameterName, parameters[i].Name, StringComparison.Ordinal);
        }
        if (!same)
        {
            bound.Clear();
            foreach (var (name, _) in parameters)
            {
                bound.Add(new SqliteParameter { ParameterName = name });
            }
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            bound[i].Value = Value(parameters[i].Value);
        }
        return (command, owned);
    }

    private static object Value(object? value) => value switch
    {
        null => DBNull.Value,
        DateTimeOffset time => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        _ => value,
    };
}
