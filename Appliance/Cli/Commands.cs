using System.Globalization;
using Appliance.Accounts;
using Appliance.Setup;

namespace Appliance.Cli;

/// <summary>The commands behind <see cref="CommandLine"/>; each acts as <see cref="Actor.CommandLine"/>.</summary>
internal sealed class Commands(IServiceProvider services, Options options, TextReader input, TextWriter output)
{
    private static readonly Actor s_actor = Actor.CommandLine;

    private T Service<T>() where T : notnull => services.GetRequiredService<T>();

    /// <summary>
    /// The wizard's path without the browser: the same <see cref="SetupService"/> checks, and the same proposals
    /// when <c>--domain</c> or <c>--admin</c> is left out (example.com from mail.example.com, then admin@example.com).
    /// </summary>
    public async Task<int> SetupAsync()
    {
        var hostName = options.Required("hostname");
        var domain = options.Value("domain") ?? "";
        var admin = options.Value("admin") ?? "";
        var password = await PasswordAsync("admin-password").ConfigureAwait(false);
        var language = options.Value("language") ?? "en";
        var certFile = options.Value("cert");
        var keyFile = options.Value("key");
        options.RejectUnknown();
        options.ExpectPositionals(0);
        if ((certFile is null) != (keyFile is null))
        {
            throw new UsageException("--cert and --key go together");
        }
        var draft = new SetupDraft { Language = language, HostName = hostName, Domain = domain, AdminAddress = admin, AdminPassword = password };
        if (certFile is not null)
        {
            draft.Tls = TlsChoice.Upload;
            draft.CertificatePem = await ReadPemAsync(certFile, isKey: false).ConfigureAwait(false);
            draft.PrivateKeyPem = await ReadPemAsync(keyFile!, isKey: true).ConfigureAwait(false);
        }
        var setup = Service<SetupService>();
        setup.CheckAll(draft);
        await setup.CompleteAsync(draft.ToRequest()).ConfigureAwait(false);
        await output.WriteLineAsync($"set up {draft.HostName}: domain {draft.Domain}, administrator {draft.AdminAddress}").ConfigureAwait(false);
        return 0;
    }

    public async Task<int> DomainAsync()
    {
        var domains = Service<DomainService>();
        var verb = options.Positionals(0, "domain command (add, list, remove, dns)");
        options.RejectUnknown();
        switch (verb)
        {
            case "add":
                options.ExpectPositionals(2);
                var added = await domains.AddAsync(s_actor, options.Positionals(1, "domain name")).ConfigureAwait(false);
                await output.WriteLineAsync($"added domain {added.Name}").ConfigureAwait(false);
                return 0;
            case "list":
                options.ExpectPositionals(1);
                foreach (var d in await domains.ListAsync().ConfigureAwait(false))
                {
                    await output.WriteLineAsync(Row(d.Name, $"users={d.UserCount}", $"aliases={d.AliasCount}", $"groups={d.GroupCount}")).ConfigureAwait(false);
                }
                return 0;
            case "remove":
                options.ExpectPositionals(2);
                var name = options.Positionals(1, "domain name");
                await domains.RemoveAsync(s_actor, name).ConfigureAwait(false);
                await output.WriteLineAsync($"removed domain {name.Trim().ToLowerInvariant()}").ConfigureAwait(false);
                return 0;
            case "dns":
                options.ExpectPositionals(2);
                var domain = options.Positionals(1, "domain name").Trim().ToLowerInvariant();
                if (await Service<DomainRepository>().FindAsync(domain).ConfigureAwait(false) is null)
                {
                    throw new AccountException("Domain.Unknown", domain);
                }
                foreach (var r in await domains.DnsRecordsAsync(domain).ConfigureAwait(false))
                {
                    await output.WriteLineAsync(Row(r.Name, "IN", r.Type, r.Value)).ConfigureAwait(false);
                }
                return 0;
            default:
                throw new UsageException($"unknown domain command '{verb}'");
        }
    }

    public async Task<int> UserAsync()
    {
        var users = Service<UserService>();
        var verb = options.Positionals(0, "user command (add, list, passwd, disable, enable, remove)");
        switch (verb)
        {
            case "add":
            {
                var address = options.Positionals(1, "address");
                options.ExpectPositionals(2);
                var password = await PasswordAsync("password").ConfigureAwait(false);
                var name = options.Value("name");
                var quotaText = options.Value("quota");
                var quota = quotaText is null ? 0 : ByteSize.Parse(quotaText);
                var admin = options.Switch("admin");
                options.RejectUnknown();
                var user = await users.AddAsync(s_actor, new NewUser(address, password, name, quota, admin)).ConfigureAwait(false);
                await output.WriteLineAsync($"added user {user.Address}").ConfigureAwait(false);
                return 0;
            }
            case "list":
            {
                var search = options.Value("search");
                options.RejectUnknown();
                options.ExpectPositionals(1);
                const int Page = 500;
                for (var skip = 0; ; skip += Page)
                {
                    var (items, total) = await users.ListAsync(search, skip, Page).ConfigureAwait(false);
                    foreach (var u in items)
                    {
                        var flags = string.Join(",", new[] { u.IsAdmin ? "admin" : null, u.Disabled ? "disabled" : null }.OfType<string>());
                        await output.WriteLineAsync(Row(u.Address, u.DisplayName, u.QuotaBytes == 0 ? "unlimited" : ByteSize.Format(u.QuotaBytes), flags)).ConfigureAwait(false);
                    }
                    if (skip + Page >= total)
                    {
                        return 0;
                    }
                }
            }
            case "passwd":
            {
                var address = options.Positionals(1, "address");
                options.ExpectPositionals(2);
                var password = await PasswordAsync("password").ConfigureAwait(false);
                options.RejectUnknown();
                await users.ResetPasswordAsync(s_actor, address, password).ConfigureAwait(false);
                await output.WriteLineAsync($"changed the password of {address.Trim().ToLowerInvariant()}").ConfigureAwait(false);
                return 0;
            }
            case "disable" or "enable":
            {
                var address = options.Positionals(1, "address");
                options.ExpectPositionals(2);
                options.RejectUnknown();
                var user = await users.UpdateAsync(s_actor, address, new UserChanges(Disabled: verb == "disable")).ConfigureAwait(false);
                await output.WriteLineAsync($"{verb}d user {user.Address}").ConfigureAwait(false);
                return 0;
            }
            case "remove":
            {
                var address = options.Positionals(1, "address");
                options.ExpectPositionals(2);
                options.RejectUnknown();
                await users.RemoveAsync(s_actor, address).ConfigureAwait(false);
                await output.WriteLineAsync($"removed user {address.Trim().ToLowerInvariant()}").ConfigureAwait(false);
                return 0;
            }
            default:
                throw new UsageException($"unknown user command '{verb}'");
        }
    }

    public async Task<int> AliasAsync()
    {
        var aliases = Service<AliasService>();
        var verb = options.Positionals(0, "alias command (add, list, remove)");
        options.RejectUnknown();
        switch (verb)
        {
            case "add":
                var address = options.Positionals(1, "alias address");
                var targets = options.Positional.Skip(2).ToList();
                if (targets.Count == 0)
                {
                    throw new UsageException("at least one target address is needed");
                }
                var alias = await aliases.AddAsync(s_actor, address, targets).ConfigureAwait(false);
                await output.WriteLineAsync($"added alias {alias.Address} -> {string.Join(", ", alias.Targets)}").ConfigureAwait(false);
                return 0;
            case "list":
                options.ExpectPositionals(1);
                foreach (var a in await aliases.ListAsync().ConfigureAwait(false))
                {
                    await output.WriteLineAsync(Row(a.Address, string.Join(",", a.Targets))).ConfigureAwait(false);
                }
                return 0;
            case "remove":
                options.ExpectPositionals(2);
                var name = options.Positionals(1, "alias address");
                await aliases.RemoveAsync(s_actor, name).ConfigureAwait(false);
                await output.WriteLineAsync($"removed alias {name.Trim().ToLowerInvariant()}").ConfigureAwait(false);
                return 0;
            default:
                throw new UsageException($"unknown alias command '{verb}'");
        }
    }

    public async Task<int> GroupAsync()
    {
        var groups = Service<GroupService>();
        var verb = options.Positionals(0, "group command (add, list, remove, add-member, remove-member)");
        switch (verb)
        {
            case "add":
            {
                var address = options.Positionals(1, "group address");
                options.ExpectPositionals(2);
                var name = options.Value("name");
                options.RejectUnknown();
                var group = await groups.AddAsync(s_actor, address, name).ConfigureAwait(false);
                await output.WriteLineAsync($"added group {group.Address}").ConfigureAwait(false);
                return 0;
            }
            case "list":
                options.RejectUnknown();
                options.ExpectPositionals(1);
                foreach (var g in await groups.ListAsync().ConfigureAwait(false))
                {
                    await output.WriteLineAsync(Row(g.Address, g.DisplayName, string.Join(",", g.Members))).ConfigureAwait(false);
                }
                return 0;
            case "remove":
            {
                options.RejectUnknown();
                options.ExpectPositionals(2);
                var address = options.Positionals(1, "group address");
                await groups.RemoveAsync(s_actor, address).ConfigureAwait(false);
                await output.WriteLineAsync($"removed group {address.Trim().ToLowerInvariant()}").ConfigureAwait(false);
                return 0;
            }
            case "add-member" or "remove-member":
            {
                options.RejectUnknown();
                options.ExpectPositionals(3);
                var group = options.Positionals(1, "group address");
                var user = options.Positionals(2, "member address");
                if (verb == "add-member")
                {
                    await groups.AddMemberAsync(s_actor, group, user).ConfigureAwait(false);
                    await output.WriteLineAsync($"added {user.Trim().ToLowerInvariant()} to {group.Trim().ToLowerInvariant()}").ConfigureAwait(false);
                }
                else
                {
                    await groups.RemoveMemberAsync(s_actor, group, user).ConfigureAwait(false);
                    await output.WriteLineAsync($"removed {user.Trim().ToLowerInvariant()} from {group.Trim().ToLowerInvariant()}").ConfigureAwait(false);
                }
                return 0;
            }
            default:
                throw new UsageException($"unknown group command '{verb}'");
        }
    }

    /// <summary>A password from <c>--NAME P</c> or, with <c>--password-stdin</c>, the first line of standard input.</summary>
    private async Task<string> PasswordAsync(string name)
    {
        var fromStdin = options.Switch("password-stdin");
        var given = options.Value(name);
        if (fromStdin && given is not null)
        {
            throw new UsageException($"give --{name} or --password-stdin, not both");
        }
        if (fromStdin)
        {
            return await input.ReadLineAsync().ConfigureAwait(false) ?? throw new UsageException("standard input is empty; a password was expected");
        }
        return given ?? throw new UsageException($"--{name} or --password-stdin is required");
    }

    private static async Task<string> ReadPemAsync(string path, bool isKey)
    {
        try
        {
            await using var file = File.OpenRead(path);
            return await SetupService.ReadPemAsync(file, isKey).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {path}: {e.Message}");
        }
    }

    private static string Row(params string[] columns) => string.Join('\t', columns.Select(c => c.ToString(CultureInfo.InvariantCulture)));
}
