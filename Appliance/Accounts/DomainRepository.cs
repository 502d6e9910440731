using System.Data.Common;
using Appliance.Storage;
using Dapper;

namespace Appliance.Accounts;

/// <summary>The <c>domains</c> table.</summary>
public sealed class DomainRepository(Database database)
{
    private const string Select = """
        SELECT d.id, d.name, d.created_at,
               (SELECT COUNT(*) FROM users u WHERE u.domain_id = d.id) AS user_count,
               (SELECT COUNT(*) FROM aliases a WHERE a.domain_id = d.id) AS alias_count,
               (SELECT COUNT(*) FROM groups g WHERE g.domain_id = d.id) AS group_count
        FROM domains d
        """;

    public async Task<IReadOnlyList<Domain>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<Domain>($"{Select} ORDER BY d.name").ConfigureAwait(false)).AsList();
    }

    private static readonly Dictionary<string, string> s_sortColumns = new(StringComparer.Ordinal)
    {
        [nameof(Domain.Name)] = "d.name",
        [nameof(Domain.UserCount)] = "user_count",
        [nameof(Domain.AliasCount)] = "alias_count",
        [nameof(Domain.GroupCount)] = "group_count",
        [nameof(Domain.CreatedAt)] = "d.created_at",
    };

    /// <summary>One page of domains; <see cref="PageQuery.Search"/> matches the name.</summary>
    public async Task<Page<Domain>> PageAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = query.HasSearch ? "WHERE d.name LIKE @pattern ESCAPE '\\'" : "";
        var args = new { pattern = Sql.LikePattern(query.Search), skip = query.SafeSkip, take = query.SafeTake };
        var order = query.OrderBy(s_sortColumns, "d.name", "d.name");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM domains d {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<Domain>($"{Select} {where} ORDER BY {order} LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return new Page<Domain>(items.AsList(), total);
    }

    public Task<Domain?> FindAsync(DbConnection connection, DbTransaction? transaction, string name) =>
        connection.QuerySingleOrDefaultAsync<Domain>($"{Select} WHERE d.name = @name", new { name }, transaction);

    public async Task<Domain?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await FindAsync(connection, null, name).ConfigureAwait(false);
    }

    public Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, string name, DateTimeOffset at) =>
        connection.ExecuteScalarAsync<long>("INSERT INTO domains(name, created_at) VALUES (@name, @at) RETURNING id", new { name, at }, transaction);

    public Task<int> DeleteAsync(DbConnection connection, DbTransaction transaction, long id) =>
        connection.ExecuteAsync("DELETE FROM domains WHERE id = @id", new { id }, transaction);
}
