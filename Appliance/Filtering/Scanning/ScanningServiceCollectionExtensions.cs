using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Scanning;

public static class ScanningServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="SpamdClient"/>, <see cref="ClamdClient"/> and the console's <see cref="ScannerSettingsStore"/> (which builds
    /// the clients the inspector uses, rspamd's too), with <see cref="SpamAssassinOptions"/> bound to
    /// <c>Appliance:Filtering:SpamAssassin</c>, <see cref="ClamAvOptions"/> to <c>Appliance:Filtering:ClamAV</c> and
    /// <see cref="RspamdOptions"/> to <c>Appliance:Filtering:Rspamd</c>, checked at start.
    /// </summary>
    public static IServiceCollection AddScanning(this IServiceCollection services)
    {
        services.AddOptions<SpamAssassinOptions>().BindConfiguration(SpamAssassinOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SpamAssassinOptions>, SpamAssassinOptionsValidator>());
        services.AddOptions<ClamAvOptions>().BindConfiguration(ClamAvOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClamAvOptions>, ClamAvOptionsValidator>());
        services.AddOptions<RspamdOptions>().BindConfiguration(RspamdOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RspamdOptions>, RspamdOptionsValidator>());
        services.TryAddSingleton<ScannerSettingsStore>();
        services.TryAddSingleton<SpamdClient>();
        services.TryAddSingleton<ClamdClient>();
        return services;
    }
}
