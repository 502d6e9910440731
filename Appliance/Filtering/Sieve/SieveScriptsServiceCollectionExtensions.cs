using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Appliance.Filtering.Sieve;

public static class SieveScriptsServiceCollectionExtensions
{
    /// <summary>The stored scripts (<see cref="SieveScripts"/>) and the compiled ones (<see cref="CompiledSieveScripts"/>) with <see cref="SieveScriptOptions"/> bound to <c>Appliance:SieveScripts</c> and checked at start.</summary>
    public static IServiceCollection AddSieveScripts(this IServiceCollection services)
    {
        services.AddOptions<SieveScriptOptions>().BindConfiguration(SieveScriptOptions.Section)
            .Validate(o => o.MaxScripts is >= 1 and <= 1000, "Appliance:SieveScripts:MaxScripts must be between 1 and 1000.")
            .Validate(o => o.MaxScriptSize is >= 1024 and <= 1024 * 1024, "Appliance:SieveScripts:MaxScriptSize must be between 1024 and 1048576 bytes.")
            .Validate(o => o.MaxNameLength is >= 1 and <= 1024, "Appliance:SieveScripts:MaxNameLength must be between 1 and 1024.")
            .Validate(o => o.CompiledCacheEntries is >= 0 and <= 100_000, "Appliance:SieveScripts:CompiledCacheEntries must be between 0 and 100000.")
            .ValidateOnStart();
        services.TryAddSingleton<SieveScripts>();
        services.TryAddSingleton<Rules.UserRules>();
        services.TryAddSingleton<CompiledSieveScripts>();
        return services;
    }
}
