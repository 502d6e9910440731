namespace Appliance.Storage;

/// <summary>One numbered schema change. Versions are applied in order, each in its own transaction.</summary>
/// <param name="RebuildsTables">
/// The migration replaces a table (SQLite cannot change a column's constraints in place). It then runs
/// with foreign keys off, so that dropping the old table does not cascade into the rows that refer to
/// it, and the foreign keys are checked before it commits.
/// </param>
public sealed record Migration(int Version, string Name, string Sql, bool RebuildsTables = false);
