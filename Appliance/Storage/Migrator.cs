using Dapper;
using Microsoft.Extensions.Logging;

namespace Appliance.Storage;

/// <summary>Brings the database to the newest schema; each migration commits with its version row or not at all.</summary>
public sealed partial class Migrator(Database database, ILogger<Migrator> logger)
{
    public Task<int> MigrateAsync(CancellationToken cancellationToken = default) => MigrateAsync(Migrations.All, cancellationToken);

    /// <returns>The schema version after migrating.</returns>
    public async Task<int> MigrateAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            // WAL is a property of the file: set once, it holds for every later connection.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL;").ConfigureAwait(false);
            await connection.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                );
                """).ConfigureAwait(false);
        }

        var current = await CurrentVersionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var migration in migrations.OrderBy(m => m.Version))
        {
            if (migration.Version <= current)
            {
                continue;
            }
            var applied = migration.RebuildsTables
                ? await ApplyWithoutForeignKeysAsync(migration, cancellationToken).ConfigureAwait(false)
                : await database.InTransactionAsync(async (connection, transaction) =>
            {
                // Another process (the service and a command started together) may have applied it meanwhile.
                var now = await connection.ExecuteScalarAsync<int?>("SELECT MAX(version) FROM schema_migrations", transaction: transaction).ConfigureAwait(false) ?? 0;
                if (now >= migration.Version)
                {
                    return false;
                }
                await connection.ExecuteAsync(migration.Sql, transaction: transaction).ConfigureAwait(false);
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (@Version, @Name, @At)",
                    new { migration.Version, migration.Name, At = DateTimeOffset.UtcNow.ToString("O") },
                    transaction).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            if (applied)
            {
                LogApplied(logger, migration.Version, migration.Name);
            }
            current = migration.Version;
        }
        return current;
    }

    private async Task<bool> ApplyWithoutForeignKeysAsync(Migration migration, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Only outside a transaction does this take effect. The finally turns it on again; should that fail,
        // Database.OpenAsync sets it again for the next user, having been told to forget this handle.
        database.ForgetSettings(connection);
        await connection.ExecuteAsync("PRAGMA foreign_keys=OFF").ConfigureAwait(false);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var now = await connection.ExecuteScalarAsync<int?>("SELECT MAX(version) FROM schema_migrations", transaction: transaction).ConfigureAwait(false) ?? 0;
            if (now >= migration.Version)
            {
                return false;
            }
            await connection.ExecuteAsync(migration.Sql, transaction: transaction).ConfigureAwait(false);
            var broken = await connection.QueryAsync("PRAGMA foreign_key_check", transaction: transaction).ConfigureAwait(false);
            if (broken.Any())
            {
                throw new InvalidOperationException($"Migration {migration.Version} would leave rows pointing at nothing.");
            }
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations(version, name, applied_at) VALUES (@Version, @Name, @At)",
                new { migration.Version, migration.Name, At = DateTimeOffset.UtcNow.ToString("O") },
                transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            await connection.ExecuteAsync("PRAGMA foreign_keys=ON").ConfigureAwait(false);
        }
    }

    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<int?>("SELECT MAX(version) FROM schema_migrations").ConfigureAwait(false) ?? 0;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied schema migration {Version}: {Name}")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}
