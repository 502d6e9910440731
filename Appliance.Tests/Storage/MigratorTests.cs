using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Storage;

public class MigratorTests
{
    [Fact]
    public async Task Fresh_store_is_migrated_to_the_newest_version_in_WAL_mode()
    {
        await using var services = await TestServices.CreateAsync();
        var migrator = services.Get<Migrator>();
        Assert.Equal(Migrations.All.Max(m => m.Version), await migrator.CurrentVersionAsync());

        await using var connection = await services.Get<Database>().OpenAsync();
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
        var tables = (await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table'")).ToHashSet();
        Assert.Superset(new HashSet<string> { "settings", "domains", "users", "aliases", "alias_targets", "groups", "group_members", "audit_log", "blobs", "schema_migrations" }, tables);
    }

    [Fact]
    public async Task Migrating_again_applies_nothing()
    {
        await using var services = await TestServices.CreateAsync();
        var migrator = services.Get<Migrator>();
        var version = await migrator.MigrateAsync();
        await using var connection = await services.Get<Database>().OpenAsync();
        Assert.Equal(Migrations.All.Count, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(Migrations.All.Max(m => m.Version), version);
    }

    [Fact]
    public async Task Older_store_is_brought_forward_step_by_step()
    {
        await using var services = await TestServices.CreateAsync(migrate: false);
        var migrator = services.Get<Migrator>();
        // A store as the first release left it.
        Assert.Equal(1, await migrator.MigrateAsync(Migrations.All.Take(1).ToList()));
        await using (var connection = await services.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("INSERT INTO domains(name, created_at) VALUES ('example.com', '2026-01-01')");
        }

        Assert.Equal(Migrations.All.Max(m => m.Version), await migrator.MigrateAsync());

        await using var check = await services.Get<Database>().OpenAsync();
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM blobs"));
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM messages"));
        Assert.Equal("example.com", await check.ExecuteScalarAsync<string>("SELECT name FROM domains"));
    }

    [Fact]
    public async Task Rebuilding_the_mailboxes_table_keeps_every_row_and_every_foreign_key()
    {
        await using var services = await TestServices.CreateAsync(migrate: false);
        var migrator = services.Get<Migrator>();
        Assert.Equal(6, await migrator.MigrateAsync(Migrations.All.Where(m => m.Version <= 6).ToList()));
        await using (var connection = await services.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO domains(name, created_at) VALUES ('example.com', '2026-01-01');
                INSERT INTO users(address, domain_id, display_name, password_hash, created_at, security_stamp)
                    SELECT 'bob@example.com', id, 'Bob', 'x', '2026-01-01', 's' FROM domains;
                INSERT INTO mailboxes(user_id, name, uidvalidity, uidnext, created_at, highestmodseq) SELECT id, 'INBOX', 7, 3, '2026-01-01', 9 FROM users;
                INSERT INTO blobs(hash, size, refcount) VALUES ('h1', 5, 0);
                INSERT INTO messages(mailbox_id, uid, blob_hash, size, internal_date, flags) SELECT id, 2, 'h1', 5, '2026-01-01', '\Seen' FROM mailboxes;
                INSERT INTO mailbox_acl(mailbox_id, identifier, rights) SELECT id, 'anyone', 'lr' FROM mailboxes;
                """);
        }

        // Dropping the old table must not cascade into messages and rights: it runs with foreign keys off.
        Assert.Equal(Migrations.All.Max(m => m.Version), await migrator.MigrateAsync());
        await using var check = await services.Get<Database>().OpenAsync();
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
        Assert.Equal((7L, 3L, 9L), await check.QuerySingleAsync<(long, long, long)>("SELECT uidvalidity, uidnext, highestmodseq FROM mailboxes"));
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM messages"));
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM mailbox_acl"));
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("SELECT refcount FROM blobs"));
        Assert.Empty(await check.QueryAsync("PRAGMA foreign_key_check"));

        // Public folders have no owner, and their names are unique among themselves.
        await check.ExecuteAsync("INSERT INTO mailboxes(user_id, name, uidvalidity, created_at) VALUES (NULL, 'News', 1, '2026-01-01')");
        var duplicate = await Assert.ThrowsAsync<StorageException>(() => check.ExecuteAsync("INSERT INTO mailboxes(user_id, name, uidvalidity, created_at) VALUES (NULL, 'News', 2, '2026-01-01')"));
        Assert.Equal(StorageErrorKind.Constraint, duplicate.Kind);
        // The foreign keys still act: removing the user takes their mailbox, its messages and its rights.
        await check.ExecuteAsync("DELETE FROM users");
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM messages"));
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM mailbox_acl"));
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM mailboxes"));
    }

    /// <summary>Migration 12 (RFC 8514 SAVEDATE): a message stored before it was saved, as far as anyone knows, on its internal date.</summary>
    [Fact]
    public async Task Messages_stored_before_save_dates_were_kept_get_their_internal_date()
    {
        await using var services = await TestServices.CreateAsync(migrate: false);
        var migrator = services.Get<Migrator>();
        Assert.Equal(11, await migrator.MigrateAsync(Migrations.All.Where(m => m.Version <= 11).ToList()));
        await using (var connection = await services.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO domains(name, created_at) VALUES ('example.com', '2026-01-01');
                INSERT INTO users(address, domain_id, display_name, password_hash, created_at, security_stamp)
                    SELECT 'bob@example.com', id, 'Bob', 'x', '2026-01-01', 's' FROM domains;
                INSERT INTO mailboxes(user_id, name, uidvalidity, created_at) SELECT id, 'INBOX', 7, '2026-01-01' FROM users;
                INSERT INTO blobs(hash, size, refcount) VALUES ('h1', 5, 1);
                INSERT INTO messages(mailbox_id, uid, blob_hash, size, internal_date) SELECT id, 1, 'h1', 5, '2024-05-06 07:08:09+02:00' FROM mailboxes;
                """);
        }
        Assert.Equal(Migrations.All.Max(m => m.Version), await migrator.MigrateAsync());
        await using var check = await services.Get<Database>().OpenAsync();
        Assert.Equal("2024-05-06 07:08:09+02:00", await check.ExecuteScalarAsync<string>("SELECT saved_at FROM messages"));
    }

    [Fact]
    public async Task Failing_migration_leaves_no_trace_and_keeps_the_previous_version()
    {
        await using var services = await TestServices.CreateAsync();
        var migrator = services.Get<Migrator>();
        var before = await migrator.CurrentVersionAsync();
        var broken = Migrations.All.Append(new Migration(before + 1, "broken", "CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;")).ToList();

        await Assert.ThrowsAsync<StorageException>(() => migrator.MigrateAsync(broken));

        Assert.Equal(before, await migrator.CurrentVersionAsync());
        await using var connection = await services.Get<Database>().OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'"));
    }

    [Fact]
    public void Migration_versions_are_unique_and_increasing()
    {
        var versions = Migrations.All.Select(m => m.Version).ToList();
        Assert.Equal(versions.OrderBy(v => v), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
        Assert.Equal(1, versions[0]);
    }
}
