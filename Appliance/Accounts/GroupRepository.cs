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

    private static readonly Dictionary<string, string> s_sortColumns = new(StringComparer.Ordinal)
    {
        [nameof(Group.Address)] = "g.address",
        [nameof(Group.DisplayName)] = "g.display_name",
    };

    /// <summary>
    /// One page of groups with their members; <see cref="PageQuery.Search"/> matches the address, the name or a member.
    /// </summary>
    public async Task<Page<Group>> PageAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = query.HasSearch
            ? """
              WHERE g.address LIKE @pattern ESCAPE '\' OR g.display_name LIKE @pattern ESCAPE '\'
                 OR EXISTS (SELECT 1 FROM group_members s JOIN users su ON su.id = s.user_id WHERE s.group_id = g.id AND su.address LIKE @pattern ESCAPE '\')
              """
            : "";
        var args = new { pattern = Sql.LikePattern(query.Search), skip = query.SafeSkip, take = query.SafeTake };
        var order = query.OrderBy(s_sortColumns, "g.address", "g.address");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM groups g {where}", args).ConfigureAwait(false);
        var page = (await connection.QueryAsync<(long Id, string Address, string DisplayName)>(
            $"SELECT g.id, g.address, g.display_name FROM groups g {where} ORDER BY {order} LIMIT @take OFFSET @skip", args).ConfigureAwait(false)).AsList();
        var ids = page.Select(p => p.Id).ToArray();
        var members = (await connection.QueryAsync<(long GroupId, string Member)>(
            "SELECT m.group_id, u.address FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id IN @ids ORDER BY u.address", new { ids }).ConfigureAwait(false))
            .ToLookup(m => m.GroupId, m => m.Member);
        return new Page<Group>(page.Select(p => new Group(p.Id, p.Address, p.DisplayName, members[p.Id].ToList())).ToList(), total);
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
