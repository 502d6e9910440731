using Appliance.Storage;

namespace Appliance.Accounts;

/// <summary>Mail users: the people who sign in, receive mail and have a mailbox.</summary>
public sealed class UserService(
    Database database,
    UserRepository users,
    AliasRepository aliases,
    AddressRules rules,
    AuditLog audit,
    PasswordHasher hasher,
    PasswordPolicy policy,
    TimeProvider time)
{
    public Task<(IReadOnlyList<User> Items, int Total)> ListAsync(string? search, int skip, int take, string? orderBy = null, CancellationToken cancellationToken = default) =>
        users.ListAsync(search, skip, take, orderBy, cancellationToken);

    /// <summary>One page of users for the console; only an administrator may list them.</summary>
    public Task<Page<User>> PageAsync(Actor actor, PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        return users.PageAsync(query, cancellationToken);
    }

    public Task<User?> FindAsync(string address, CancellationToken cancellationToken = default) =>
        users.FindAsync((address ?? "").Trim().ToLowerInvariant(), cancellationToken);

    public async Task<User> AddAsync(Actor actor, NewUser request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        actor.DemandAdministrator();
        var address = MailAddress.Parse(request.Address).ToString();
        policy.Check(request.Password, address);
        CheckQuota(request.QuotaBytes);
        var displayName = CleanDisplayName(request.DisplayName);
        var hash = hasher.Hash(request.Password);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var (_, domain) = await rules.ClaimAsync(connection, transaction, address).ConfigureAwait(false);
            await users.InsertAsync(connection, transaction, address, domain.Id, displayName, hash, request.QuotaBytes, request.IsAdmin, time.GetUtcNow()).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "user.add", address,
                $"name={displayName}; quota={request.QuotaBytes}; admin={request.IsAdmin}").ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (await users.FindAsync(address, cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<User> UpdateAsync(Actor actor, string address, UserChanges changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(changes);
        actor.DemandAdministrator();
        if (changes.QuotaBytes is { } quota)
        {
            CheckQuota(quota);
        }
        var key = Normalize(address);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var user = await users.FindAsync(connection, transaction, key).ConfigureAwait(false)
                ?? throw new AccountException("User.Unknown", key);
            var name = changes.DisplayName is null ? user.DisplayName : CleanDisplayName(changes.DisplayName);
            var isAdmin = changes.IsAdmin ?? user.IsAdmin;
            var disabled = changes.Disabled ?? user.Disabled;
            var quotaBytes = changes.QuotaBytes ?? user.QuotaBytes;
            var losesPower = user.IsAdmin && !user.Disabled && (!isAdmin || disabled);
            if (losesPower && await users.CountEnabledAdministratorsAsync(connection, transaction).ConfigureAwait(false) <= 1)
            {
                throw new AccountException("User.LastAdministrator", key);
            }
            // Role or status changes end the user's open console sessions (see the security stamp).
            var newStamp = isAdmin != user.IsAdmin || disabled != user.Disabled;
            await users.UpdateAsync(connection, transaction, user.Id, name, quotaBytes, isAdmin, disabled, newStamp).ConfigureAwait(false);
            var detail = new List<string>();
            if (name != user.DisplayName) detail.Add($"name={name}");
            if (quotaBytes != user.QuotaBytes) detail.Add($"quota={quotaBytes}");
            if (isAdmin != user.IsAdmin) detail.Add($"admin={isAdmin}");
            if (disabled != user.Disabled) detail.Add($"disabled={disabled}");
            await audit.WriteAsync(connection, transaction, actor, "user.update", key, string.Join("; ", detail)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (await users.FindAsync(key, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>An administrator sets a new password for someone (a reset); the old one is not needed.</summary>
    public async Task ResetPasswordAsync(Actor actor, string address, string newPassword, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var key = Normalize(address);
        policy.Check(newPassword, key);
        var hash = hasher.Hash(newPassword);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var user = await users.FindAsync(connection, transaction, key).ConfigureAwait(false)
                ?? throw new AccountException("User.Unknown", key);
            await users.SetPasswordHashAsync(connection, transaction, user.Id, hash).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "user.password.reset", key).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A user changes their own password; the current one must be given, and wrong guesses count
    /// towards the account's lockout like failed sign-ins (a stolen session cannot probe for it).
    /// </summary>
    public async Task ChangeOwnPasswordAsync(string address, string currentPassword, string newPassword, Authenticator authenticator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        var key = Normalize(address);
        var check = await authenticator.SignInAsync(key, currentPassword, cancellationToken).ConfigureAwait(false);
        switch (check.Outcome)
        {
            case SignInOutcome.LockedOut:
                throw new AccountException("Password.Locked");
            case SignInOutcome.Disabled:
                throw new AccountException("User.Unknown", key);
            case SignInOutcome.Failed:
                throw new AccountException("Password.WrongCurrent");
        }
        policy.Check(newPassword, key);
        if (newPassword == currentPassword)
        {
            throw new AccountException("Password.Unchanged");
        }
        var hash = hasher.Hash(newPassword);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var user = await users.FindAsync(connection, transaction, key).ConfigureAwait(false)
                ?? throw new AccountException("User.Unknown", key);
            // An administrator's reset since the check above wins: the user's old password is no longer theirs.
            if (user.SecurityStamp != check.User!.SecurityStamp)
            {
                throw new AccountException("Password.WrongCurrent");
            }
            await users.SetPasswordHashAsync(connection, transaction, user.Id, hash).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, new Actor(key, false), "user.password.change", key).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a user; aliases that point only at them would dangle, so they must go first.</summary>
    public async Task RemoveAsync(Actor actor, string address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var key = Normalize(address);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var user = await users.FindAsync(connection, transaction, key).ConfigureAwait(false)
                ?? throw new AccountException("User.Unknown", key);
            if (user.IsAdmin && !user.Disabled && await users.CountEnabledAdministratorsAsync(connection, transaction).ConfigureAwait(false) <= 1)
            {
                throw new AccountException("User.LastAdministrator", key);
            }
            var pointing = await aliases.PointingAtAsync(connection, transaction, key).ConfigureAwait(false);
            if (pointing.Count > 0)
            {
                throw new AccountException("User.HasAliases", key, string.Join(", ", pointing));
            }
            await users.DeleteAsync(connection, transaction, user.Id).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "user.remove", key).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Largest quota accepted: 1 PiB, far above any disk, so a typo like 5000T is caught.</summary>
    public const long MaxQuotaBytes = 1L << 50;

    private static void CheckQuota(long quotaBytes)
    {
        if (quotaBytes is < 0 or > MaxQuotaBytes)
        {
            throw new AccountException("Quota.Invalid", quotaBytes);
        }
    }

    private static string Normalize(string? address) => (address ?? "").Trim().ToLowerInvariant();

    /// <summary>Display names end up in headers and lists: one line, no control characters, at most 200 characters.</summary>
    internal static string CleanDisplayName(string? name)
    {
        var cleaned = new string((name ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (cleaned.Length > 200)
        {
            throw new AccountException("User.NameTooLong", 200);
        }
        return cleaned;
    }
}
