using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Appliance.Tests.Storage;

/// <summary>
/// Every failure of a connection <see cref="Database"/> opens reaches its caller as a
/// <see cref="StorageException"/> with its kind, whether it comes from a command, a transaction,
/// a savepoint, a row being read or the file itself, and never as SQLite's own exception.
/// </summary>
public sealed class StorageExceptionTests
{
    [Fact]
    public async Task A_broken_constraint_is_a_constraint_failure()
    {
        await using var services = await TestServices.CreateAsync();
        await using var connection = await services.Get<Database>().OpenAsync();
        await connection.ExecuteAsync("INSERT INTO settings(key, value) VALUES ('k', 'a')");
        var e = await Assert.ThrowsAsync<StorageException>(() => connection.ExecuteAsync("INSERT INTO settings(key, value) VALUES ('k', 'b')"));
        Assert.Equal(StorageErrorKind.Constraint, e.Kind);
        Assert.IsType<SqliteException>(e.InnerException);
    }

    [Fact]
    public async Task A_failure_inside_a_transaction_is_a_storage_failure_and_rolls_back()
    {
        await using var services = await TestServices.CreateAsync();
        var database = services.Get<Database>();
        var e = await Assert.ThrowsAsync<StorageException>(() => database.InTransactionAsync(async (c, t) =>
        {
            await c.ExecuteAsync("INSERT INTO settings(key, value) VALUES ('t', 'a')", transaction: t);
            await c.ExecuteAsync("INSERT INTO settings(key, value) VALUES ('t', 'b')", transaction: t);
        }));
        Assert.Equal(StorageErrorKind.Constraint, e.Kind);
        await using var connection = await database.OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM settings WHERE key = 't'"));
    }

    [Fact]
    public async Task A_failure_while_reading_rows_is_a_storage_failure()
    {
        await using var services = await TestServices.CreateAsync();
        await using var connection = await services.Get<Database>().OpenAsync();
        // The first row reads; the second fails in SQLite's step, after the command has returned its reader.
        var e = await Assert.ThrowsAsync<StorageException>(() => connection.QueryAsync<long>(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2) SELECT CASE WHEN i = 1 THEN 1 ELSE abs(-9223372036854775807 - 1) END FROM n"));
        Assert.Equal(StorageErrorKind.Other, e.Kind);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_corrupt()
    {
        using var folder = new TempDirectory();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "appliance.db"), "this is not a database, it is a text file pretending");
        var database = new Database(Microsoft.Extensions.Options.Options.Create(new StorageOptions { DataDirectory = folder.Path }));
        try
        {
            // Opening reads nothing; the first statement that reads the file finds it is not one.
            await using var connection = await database.OpenAsync();
            var e = await Assert.ThrowsAsync<StorageException>(() => connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master"));
            Assert.Equal(StorageErrorKind.Corrupt, e.Kind);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    [Theory]
    [InlineData(5, StorageErrorKind.Busy)]          // SQLITE_BUSY: another writer past the busy timeout
    [InlineData(6, StorageErrorKind.Busy)]          // SQLITE_LOCKED
    [InlineData(261, StorageErrorKind.Busy)]        // SQLITE_BUSY_RECOVERY, an extended code
    [InlineData(19, StorageErrorKind.Constraint)]
    [InlineData(2067, StorageErrorKind.Constraint)] // SQLITE_CONSTRAINT_UNIQUE
    [InlineData(13, StorageErrorKind.Full)]
    [InlineData(11, StorageErrorKind.Corrupt)]
    [InlineData(26, StorageErrorKind.Corrupt)]
    [InlineData(8, StorageErrorKind.Unavailable)]   // SQLITE_READONLY
    [InlineData(10, StorageErrorKind.Unavailable)]  // SQLITE_IOERR
    [InlineData(14, StorageErrorKind.Unavailable)]  // SQLITE_CANTOPEN
    [InlineData(1, StorageErrorKind.Other)]
    public void SQLite_result_codes_are_sorted_into_kinds(int code, StorageErrorKind kind)
    {
        var e = StorageException.From(new SqliteException("SQLite Error", code));
        Assert.Equal(kind, e.Kind);
        Assert.Equal("SQLite Error", e.Message);
    }
}
