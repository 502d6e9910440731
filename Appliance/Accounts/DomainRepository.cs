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
