using System.Collections;
using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Appliance.Storage;

/// <summary>
/// The connection <see cref="Database"/> hands out: a <see cref="SqliteConnection"/> whose commands
/// (and so its transactions and savepoints, which SQLite runs as commands) and readers turn every
/// <see cref="SqliteException"/> into a <see cref="StorageException"/>. The repositories keep their SQL
/// and Dapper as they are; nothing above them sees a SQLite type in a failure.
/// </summary>
internal sealed class StorageConnection(string connectionString) : SqliteConnection(connectionString)
{
    // Commands kept for the life of this connection object, by SQL (see Statements): SQLite parses and
    // plans a statement when a command first runs and forgets it when the command is disposed.
    private Dictionary<string, SqliteCommand>? _statements;

    public override SqliteCommand CreateCommand() =>
        new StorageCommand { Connection = this, CommandTimeout = DefaultTimeout, Transaction = Transaction };

    /// <summary>The one command of this connection for <paramref name="sql"/>, prepared at its first use and kept until the connection is disposed.</summary>
    internal SqliteCommand Statement(string sql)
    {
        _statements ??= new Dictionary<string, SqliteCommand>(StringComparer.Ordinal);
        if (!_statements.TryGetValue(sql, out var command))
        {
            command = CreateCommand();
            command.CommandText = sql;
            _statements.Add(sql, command);
        }
        return command;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _statements is { } statements)
        {
            _statements = null;
            foreach (var command in statements.Values)
            {
                command.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    public override void Open()
    {
        try
        {
            base.Open();
        }
        catch (SqliteException e)
        {
            throw StorageException.From(e);
        }
    }
}

/// <summary>A command whose execution, like every step of its results, fails with <see cref="StorageException"/>.</summary>
internal sealed class StorageCommand : SqliteCommand
{
    public override SqliteDataReader ExecuteReader(CommandBehavior behavior)
    {
        try
        {
            return base.ExecuteReader(behavior);
        }
        catch (SqliteException e)
        {
            throw StorageException.From(e);
        }
    }

    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => new StorageDataReader(ExecuteReader(behavior));

    protected override Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ExecuteDbDataReader(behavior));
    }

    public override int ExecuteNonQuery()
    {
        try
        {
            return base.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw StorageException.From(e);
        }
    }

    public override object? ExecuteScalar()
    {
        try
        {
            return base.ExecuteScalar();
        }
        catch (SqliteException e)
        {
            throw StorageException.From(e);
        }
    }
}

/// <summary>
/// A reader over SQLite's that translates the failures of stepping (the next row, the next statement,
/// the remaining statements when disposed); every other member is SQLite's own.
/// </summary>
internal sealed class StorageDataReader(SqliteDataReader inner) : DbDataReader
{
    public override bool Read()
    {
        try
        {
            return inner.Read();
        }
        catch (SqliteException e)
        {
            throw StorageException.From(e);
        }
    }

    public override bool NextResult()
    {
        try
        {
            return inner.NextResult();
        }
        catch (SqliteException e)
        {
            throw StorageException.From(e);
        }
    }

    public override void Close()
    {
        try
        {
            inner.Close();
        }
        catch (SqliteException e)
        {
            throw StorageException.From(e);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                inner.Dispose();
            }
            catch (SqliteException e)
            {
                throw StorageException.From(e);
            }
        }
        base.Dispose(disposing);
    }

    public override int Depth => inner.Depth;
    public override int FieldCount => inner.FieldCount;
    public override bool HasRows => inner.HasRows;
    public override bool IsClosed => inner.IsClosed;
    public override int RecordsAffected => inner.RecordsAffected;
    public override int VisibleFieldCount => inner.VisibleFieldCount;
    public override object this[int ordinal] => inner[ordinal];
    public override object this[string name] => inner[name];
    public override bool GetBoolean(int ordinal) => inner.GetBoolean(ordinal);
    public override byte GetByte(int ordinal) => inner.GetByte(ordinal);
    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => inner.GetBytes(ordinal, dataOffset, buffer, bufferOffset, length);
    public override char GetChar(int ordinal) => inner.GetChar(ordinal);
    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) => inner.GetChars(ordinal, dataOffset, buffer, bufferOffset, length);
    public override string GetDataTypeName(int ordinal) => inner.GetDataTypeName(ordinal);
    public override DateTime GetDateTime(int ordinal) => inner.GetDateTime(ordinal);
    public override decimal GetDecimal(int ordinal) => inner.GetDecimal(ordinal);
    public override double GetDouble(int ordinal) => inner.GetDouble(ordinal);
    public override IEnumerator GetEnumerator() => new DbEnumerator(this, closeReader: false);
    public override Type GetFieldType(int ordinal) => inner.GetFieldType(ordinal);
    public override T GetFieldValue<T>(int ordinal) => inner.GetFieldValue<T>(ordinal);
    public override float GetFloat(int ordinal) => inner.GetFloat(ordinal);
    public override Guid GetGuid(int ordinal) => inner.GetGuid(ordinal);
    public override short GetInt16(int ordinal) => inner.GetInt16(ordinal);
    public override int GetInt32(int ordinal) => inner.GetInt32(ordinal);
    public override long GetInt64(int ordinal) => inner.GetInt64(ordinal);
    public override string GetName(int ordinal) => inner.GetName(ordinal);
    public override int GetOrdinal(string name) => inner.GetOrdinal(name);
    public override DataTable? GetSchemaTable() => inner.GetSchemaTable();
    public override Stream GetStream(int ordinal) => inner.GetStream(ordinal);
    public override string GetString(int ordinal) => inner.GetString(ordinal);
    public override TextReader GetTextReader(int ordinal) => inner.GetTextReader(ordinal);
    public override object GetValue(int ordinal) => inner.GetValue(ordinal);
    public override int GetValues(object[] values) => inner.GetValues(values);
    public override bool IsDBNull(int ordinal) => inner.IsDBNull(ordinal);
}
