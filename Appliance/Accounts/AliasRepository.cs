using System.Data.Common;
using Appliance.Storage;
using Dapper;

namespace Appliance.Accounts;

/// <summary>The <c>aliases</c> and <c>alias_targets</c> tables.</summary>
public sealed class AliasRepository(Database database)
{
    public async Task<IReadOnlyList<Alias>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, string Address, string? Target)>(
            "SELECT a.id, a.address, t.target FROM aliases a LEFT JOIN alias_targets t ON t.alias_id = a.id ORDER BY a.address, t.target").ConfigureAwait(false);
        return rows.GroupBy(r => (r.Id, r.Address))
            .Select(g => new Alias(g.Key.Id, g.Key.Address, g.Where(r => r.Target is not null).Select(r => r.Target!).ToList()))
            .ToList();
    }

    private static readonly Dictionary<string, string> s_sortColumns = new(StringComparer.Ordinal)
    {
        [nameof(Alias.Address)] = "a.address",
    };

    /// <summary>
    /// One page of aliases with their targets; <see cref="PageQuery.Search"/> matches the address or any target.
    /// The page's aliases are chosen first (LIMIT on aliases, not on alias-target rows), then their targets read.
    /// </summary>
    public async Task<Page<Alias>> PageAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = query.HasSearch
            ? "WHERE a.address LIKE @pattern ESCAPE '\\' OR EXISTS (SELECT 1 FROM alias_targets s WHERE s.alias_id = a.id AND s.target LIKE @pattern ESCAPE '\\')"
            : "";
        var args = new { pattern = Sql.LikePattern(query.Search), skip = query.SafeSkip, take = query.SafeTake };
        var order = query.OrderBy(s_sortColumns, "a.address", "a.address");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM aliases a {where}", args).ConfigureAwait(false);
        var page = (await connection.QueryAsync<(long Id, string Address)>(
            $"SELECT a.id, a.address FROM aliases a {where} ORDER BY {order} LIMIT @take OFFSET @skip", args).ConfigureAwait(false)).AsList();
        var ids = page.Select(p => p.Id).ToArray();
        var targets = (await connection.QueryAsync<(long AliasId, string Target)>(
            "SELECT alias_id, target FROM alias_targets WHERE alias_id IN @ids ORDER BY target", new { ids }).ConfigureAwait(false))
            .ToLookup(t => t.AliasId, t => t.Target);
        return new Page<Alias>(page.Select(p => new Alias(p.Id, p.Address, targets[p.Id].ToList())).ToList(), total);
    }

    public async Task<Alias?> FindAsync(DbConnection connection, DbTransaction? transaction, string address)
    {
        var id = await connection.ExecuteScalarAsync<long?>("SELECT id FROM aliases WHERE address = @address", new { address }, transaction).ConfigureAwait(false);
        if (id is null)
        {
            return null;
        }
        var targets = await connection.QueryAsync<string>("SELECT target FROM alias_targets WHERE alias_id = @id ORDER BY target", new { id }, transaction).ConfigureAwait(false);
        return new Alias(id.Value, address, targets.AsList());
    }

    public async Task<bool> ExistsAsync(DbConnection connection, DbTransaction? transaction, string address) =>
        await connection.ExecuteScalarAsync<long?>("SELECT id FROM aliases WHERE address = @address", new { address }, transaction).ConfigureAwait(false) is not null;

    public async Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, string address, long domainId, IEnumerable<string> targets, DateTimeOffset at)
    {
        var id = await connection.ExecuteScalarAsync<long>(
            "INSERT INTO aliases(address, domain_id, created_at) VALUES (@address, @domainId, @at) RETURNING id", new { address, domainId, at }, transaction).ConfigureAwait(false);
        foreach (var target in targets)
        {
            await connection.ExecuteAsync("INSERT INTO alias_targets(alias_id, target) VALUES (@id, @target)", new { id, target }, transaction).ConfigureAwait(false);
        }
        return id;
    }

    public Task DeleteAsync(DbConnection connection, DbTransaction transaction, long id) =>
        connection.ExecuteAsync("DELETE FROM aliases WHERE id = @id", new { id }, transaction);

    /// <summary>Aliases that point at <paramref name="target"/>, so removing a user can say which would dangle.</summary>
    public async Task<IReadOnlyList<string>> PointingAtAsync(DbConnection connection, DbTransaction? transaction, string target) =>
        (await connection.QueryAsync<string>(
            "SELECT a.address FROM aliases a JOIN alias_targets t ON t.alias_id = a.id WHERE t.target = @target ORDER BY a.address", new { target }, transaction).ConfigureAwait(false)).AsList();
}
