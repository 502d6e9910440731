using System.Data.Common;
using Appliance.Storage;
using Dapper;

namespace Appliance.Accounts;

/// <summary>The <c>users</c> table.</summary>
public sealed class UserRepository(Database database)
{
    private const string Columns = "id, address, domain_id, display_name, quota_bytes, is_admin, disabled, failed_logins, locked_until, security_stamp, created_at";

    public async Task<(IReadOnlyList<User> Items, int Total)> ListAsync(string? search, int skip, int take, string? orderBy = null, CancellationToken cancellationToken = default)
    {
        var where = string.IsNullOrWhiteSpace(search) ? "" : "WHERE address LIKE @pattern ESCAPE '\\' OR display_name LIKE @pattern ESCAPE '\\'";
        var order = orderBy switch
        {
            "address desc" => "address DESC",
            "name" => "display_name, address",
            "name desc" => "display_name DESC, address",
            "quota" => "quota_bytes, address",
            "quota desc" => "quota_bytes DESC, address",
            _ => "address",
        };
        var args = new { pattern = Sql.LikePattern(search), skip, take };
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM users {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<User>($"SELECT {Columns} FROM users {where} ORDER BY {order} LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return (items.AsList(), total);
    }

    private static readonly Dictionary<string, string> s_sortColumns = new(StringComparer.Ordinal)
    {
        [nameof(User.Address)] = "address",
        [nameof(User.DisplayName)] = "display_name",
        [nameof(User.QuotaBytes)] = "quota_bytes",
        [nameof(User.CreatedAt)] = "created_at",
    };

    /// <summary>One page of users; <see cref="PageQuery.Search"/> matches the address or the name.</summary>
    public async Task<Page<User>> PageAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = query.HasSearch ? "WHERE address LIKE @pattern ESCAPE '\\' OR display_name LIKE @pattern ESCAPE '\\'" : "";
        var args = new { pattern = Sql.LikePattern(query.Search), skip = query.SafeSkip, take = query.SafeTake };
        var order = query.OrderBy(s_sortColumns, "address", "address");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM users {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<User>($"SELECT {Columns} FROM users {where} ORDER BY {order} LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return new Page<User>(items.AsList(), total);
    }

    public Task<User?> FindAsync(DbConnection connection, DbTransaction? transaction, string address) =>
        connection.QuerySingleOrDefaultAsync<User>($"SELECT {Columns} FROM users WHERE address = @address", new { address }, transaction);

    public async Task<User?> FindAsync(string address, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await FindAsync(connection, null, address).ConfigureAwait(false);
    }

    public async Task<string?> PasswordHashAsync(string address, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<string?>("SELECT password_hash FROM users WHERE address = @address", new { address }).ConfigureAwait(false);
    }

    public Task<int> CountEnabledAdministratorsAsync(DbConnection connection, DbTransaction transaction) =>
        connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM users WHERE is_admin = 1 AND disabled = 0", transaction: transaction);

    public Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, string address, long domainId, string displayName, string passwordHash, long quotaBytes, bool isAdmin, DateTimeOffset at) =>
        connection.ExecuteScalarAsync<long>("""
            INSERT INTO users(address, domain_id, display_name, password_hash, quota_bytes, is_admin, security_stamp, created_at)
            VALUES (@address, @domainId, @displayName, @passwordHash, @quotaBytes, @isAdmin, @stamp, @at) RETURNING id
            """,
            new { address, domainId, displayName, passwordHash, quotaBytes, isAdmin, stamp = NewStamp(), at }, transaction);

    public Task UpdateAsync(DbConnection connection, DbTransaction transaction, long id, string displayName, long quotaBytes, bool isAdmin, bool disabled, bool newStamp) =>
        connection.ExecuteAsync($"""
            UPDATE users SET display_name = @displayName, quota_bytes = @quotaBytes, is_admin = @isAdmin, disabled = @disabled
            {(newStamp ? ", security_stamp = @stamp" : "")} WHERE id = @id
            """,
            new { id, displayName, quotaBytes, isAdmin, disabled, stamp = NewStamp() }, transaction);

    public Task SetPasswordHashAsync(DbConnection connection, DbTransaction transaction, long id, string passwordHash) =>
        connection.ExecuteAsync(
            "UPDATE users SET password_hash = @passwordHash, security_stamp = @stamp, failed_logins = 0, locked_until = NULL WHERE id = @id",
            new { id, passwordHash, stamp = NewStamp() }, transaction);

    /// <summary>Rewrites a hash in another form of the same password: no new security stamp, and only if no one changed it meanwhile.</summary>
    public async Task ReplacePasswordHashAsync(long id, string current, string replacement, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE users SET password_hash = @replacement WHERE id = @id AND password_hash = @current",
            new { id, current, replacement }).ConfigureAwait(false);
    }

    public Task DeleteAsync(DbConnection connection, DbTransaction transaction, long id) =>
        connection.ExecuteAsync("DELETE FROM users WHERE id = @id", new { id }, transaction);

    /// <summary>
    /// Counts a sign-in attempt before its password is checked, in one statement, so that parallel
    /// guesses cannot all slip in under the threshold; the attempt that reaches it sets the lock. A lock
    /// that has run out starts a fresh count. Returns null while the account is locked.
    /// </summary>
    public async Task<int?> ReserveAttemptAsync(long id, int threshold, DateTimeOffset now, DateTimeOffset lockUntil, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<int?>("""
            UPDATE users SET
                failed_logins = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_logins + 1 END,
                locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_logins + 1 END) >= @threshold THEN @lockUntil ELSE NULL END
            WHERE id = @id AND (locked_until IS NULL OR locked_until <= @now)
            RETURNING failed_logins
            """, new { id, threshold, now, lockUntil }).ConfigureAwait(false);
    }

    public async Task RecordSuccessAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = @id AND (failed_logins <> 0 OR locked_until IS NOT NULL)", new { id }).ConfigureAwait(false);
    }

    private static string NewStamp() => Guid.NewGuid().ToString("N");
}
