using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Scanning;

public static class ScanningServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="SpamdClient"/> and <see cref="ClamdClient"/>, with <see cref="SpamAssassinOptions"/> bound to
    /// <c>Appliance:Filtering:SpamAssassin</c> and <see cref="ClamAvOptions"/> to <c>Appliance:Filtering:ClamAV</c>, checked at start.
    /// </summary>
    public static IServiceCollection AddScanning(this IServiceCollection services)
    {
        services.AddOptions<SpamAssassinOptions>().BindConfiguration(SpamAssassinOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SpamAssassinOptions>, SpamAssassinOptionsValidator>());
        services.AddOptions<ClamAvOptions>().BindConfiguration(ClamAvOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClamAvOptions>, ClamAvOptionsValidator>());
        services.TryAddSingleton<SpamdClient>();
        services.TryAddSingleton<ClamdClient>();
        return services;
    }
}
