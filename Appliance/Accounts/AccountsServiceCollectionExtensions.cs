using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Appliance.Accounts;

public static class AccountsServiceCollectionExtensions
{
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>()
            .BindConfiguration(SecurityOptions.Section)
            .Validate(o => o.PasswordMinLength is >= 8 and <= 128, "Appliance:Security:PasswordMinLength must be between 8 and 128.")
            .Validate(o => o.PasswordHashIterations is >= 1000 and <= 10_000_000, "Appliance:Security:PasswordHashIterations must be between 1000 and 10000000.")
            .Validate(o => o.LockoutThreshold is >= 1 and <= 1000, "Appliance:Security:LockoutThreshold must be between 1 and 1000.")
            .Validate(o => o.LockoutMinutes is >= 1 and <= 10080, "Appliance:Security:LockoutMinutes must be between 1 and 10080.")
            .Validate(o => o.FailureDelayMilliseconds is >= 0 and <= 60_000, "Appliance:Security:FailureDelayMilliseconds must be between 0 and 60000.")
            .Validate(o => o.MaxFailureDelayMilliseconds >= o.FailureDelayMilliseconds && o.MaxFailureDelayMilliseconds <= 60_000,
                "Appliance:Security:MaxFailureDelayMilliseconds must be at least FailureDelayMilliseconds and at most 60000.")
            .Validate(o => o.SignInsPerMinutePerAddress is >= 1 and <= 100_000, "Appliance:Security:SignInsPerMinutePerAddress must be between 1 and 100000.")
            .Validate(o => o.CredentialCacheMinutes is >= 0 and <= 1440, "Appliance:Security:CredentialCacheMinutes must be between 0 and 1440.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<PasswordPolicy>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<DomainRepository>();
        services.AddSingleton<UserRepository>();
        services.AddSingleton<AliasRepository>();
        services.AddSingleton<GroupRepository>();
        services.AddSingleton<AddressRules>();
        services.AddSingleton<DomainService>();
        services.AddSingleton<UserService>();
        services.AddSingleton<AliasService>();
        services.AddSingleton<GroupService>();
        services.AddSingleton<Authenticator>();
        return services;
    }
}
