namespace Appliance.Accounts;

public sealed class Domain
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public int UserCount { get; init; }
    public int AliasCount { get; init; }
    public int GroupCount { get; init; }
    public bool IsEmpty => UserCount == 0 && AliasCount == 0 && GroupCount == 0;
}

public sealed class User
{
    public long Id { get; init; }
    public string Address { get; init; } = "";
    public long DomainId { get; init; }
    public string DisplayName { get; init; } = "";
    /// <summary>Mailbox size limit in bytes; 0 means no limit.</summary>
    public long QuotaBytes { get; init; }
    public bool IsAdmin { get; init; }
    public bool Disabled { get; init; }
    public int FailedLogins { get; init; }
    public DateTimeOffset? LockedUntil { get; init; }
    /// <summary>Changes whenever the password, role or status changes; a sign-in cookie carrying an older stamp is refused.</summary>
    public string SecurityStamp { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
}

public sealed record Alias(long Id, string Address, IReadOnlyList<string> Targets);

public sealed record Group(long Id, string Address, string DisplayName, IReadOnlyList<string> Members);

/// <summary>What an administrator fills in to create a user.</summary>
public sealed record NewUser(string Address, string Password, string? DisplayName = null, long QuotaBytes = 0, bool IsAdmin = false);

/// <summary>The editable fields of a user; null leaves a field as it is.</summary>
public sealed record UserChanges(string? DisplayName = null, long? QuotaBytes = null, bool? IsAdmin = null, bool? Disabled = null);
