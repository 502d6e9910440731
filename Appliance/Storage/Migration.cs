namespace Appliance.Storage;

/// <summary>One numbered schema change. Versions are applied in order, each in its own transaction.</summary>
public sealed record Migration(int Version, string Name, string Sql);
