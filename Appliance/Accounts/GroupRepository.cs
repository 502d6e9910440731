using System.Data.Common;
using Appliance.Storage;
using Dapper;

namespace Appliance.Accounts;

/// <summary>The <c>groups</c> and <c>group_members</c> tables.</summary>
public sealed class GroupRepository(Database database)
{
    public async Task<IReadOnlyList<Group>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, string Address, string DisplayName, string? Member)>("""
            SELECT g.id, g.address, g.display_name, u.address
            FROM groups g LEFT JOIN group_members m ON m.group_id = g.id LEFT JOIN users u ON u.id = m.user_id
            ORDER BY g.address, u.address
            """).ConfigureAwait(false);
        return rows.GroupBy(r => (r.Id, r.Address, r.DisplayName))
            .Select(g => new Group(g.Key.Id, g.Key.Address, g.Key.DisplayName, g.Where(r => r.Member is not null).Select(r => r.Member!).ToList()))
            .ToList();
    }

    public async Task<Group?> FindAsync(DbConnection connection, DbTransaction? transaction, string address)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(long Id, string DisplayName)?>(
            "SELECT id, display_name FROM groups WHERE address = @address", new { address }, transaction).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }
        var members = await connection.QueryAsync<string>(
            "SELECT u.address FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = @id ORDER BY u.address", new { id = row.Value.Id }, transaction).ConfigureAwait(false);
        return new Group(row.Value.Id, address, row.Value.DisplayName, members.AsList());
    }

    public async Task<bool> ExistsAsync(DbConnection connection, DbTransaction? transaction, string address) =>
        await connection.ExecuteScalarAsync<long?>("SELECT id FROM groups WHERE address = @address", new { address }, transaction).ConfigureAwait(false) is not null;

    public Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, string address, long domainId, string displayName, DateTimeOffset at) =>
        connection.ExecuteScalarAsync<long>(
            "INSERT INTO groups(address, domain_id, display_name, created_at) VALUES (@address, @domainId, @displayName, @at) RETURNING id",
            new { address, domainId, displayName, at }, transaction);

    public Task DeleteAsync(DbConnection connection, DbTransaction transaction, long id) =>
        connection.ExecuteAsync("DELETE FROM groups WHERE id = @id", new { id }, transaction);

    public Task<int> AddMemberAsync(DbConnection connection, DbTransaction transaction, long groupId, long userId) =>
        connection.ExecuteAsync("INSERT OR IGNORE INTO group_members(group_id, user_id) VALUES (@groupId, @userId)", new { groupId, userId }, transaction);

    public Task<int> RemoveMemberAsync(DbConnection connection, DbTransaction transaction, long groupId, long userId) =>
        connection.ExecuteAsync("DELETE FROM group_members WHERE group_id = @groupId AND user_id = @userId", new { groupId, userId }, transaction);
}
