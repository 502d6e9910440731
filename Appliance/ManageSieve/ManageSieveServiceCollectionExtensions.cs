using Appliance.Filtering.Sieve;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.ManageSieve;

public static class ManageSieveServiceCollectionExtensions
{
    /// <summary>The ManageSieve listener's handler, with <see cref="ManageSieveOptions"/> bound to <c>Appliance:ManageSieve</c> and checked at start.</summary>
    public static IServiceCollection AddManageSieve(this IServiceCollection services)
    {
        services.AddOptions<ManageSieveOptions>().BindConfiguration(ManageSieveOptions.Section)
            .Validate(o => o.MaxLineLength is >= 1024 and <= 65536, "Appliance:ManageSieve:MaxLineLength must be between 1024 and 65536.")
            .Validate(o => o.IdleTimeoutSeconds is >= 1 and <= 86400, "Appliance:ManageSieve:IdleTimeoutSeconds must be between 1 and 86400.")
            .Validate(o => o.MaxAuthFailures is >= 1 and <= 100, "Appliance:ManageSieve:MaxAuthFailures must be between 1 and 100.")
            .Validate(o => o.MaxErrors is >= 1 and <= 1000, "Appliance:ManageSieve:MaxErrors must be between 1 and 1000.")
            .ValidateOnStart();
        services.AddSieveScripts();
        services.AddSingleton<ManageSieveHandler>();
        return services;
    }
}
