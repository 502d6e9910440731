using Appliance.Filtering.Bayes;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Dmarc;
using Appliance.Filtering.Scanning;
using Appliance.Filtering.Sieve;
using Appliance.Filtering.Spf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering;

public static class FilteringServiceCollectionExtensions
{
    /// <summary>
    /// The checks at DATA (<see cref="MessageInspector"/>) and everything they use: the scanners, SPF, DKIM and ARC,
    /// with <see cref="FilteringOptions"/> bound to <c>Appliance:Filtering</c> and checked at start.
    /// </summary>
    public static IServiceCollection AddFiltering(this IServiceCollection services)
    {
        services.AddOptions<FilteringOptions>().BindConfiguration(FilteringOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FilteringOptions>, FilteringOptionsValidator>());
        services.AddScanning();
        services.AddSpf();
        services.AddDkim();
        services.AddDmarc();
        services.AddBayes();
        services.AddOptions<Junk.JunkOptions>().BindConfiguration(Junk.JunkOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Junk.JunkOptions>, Junk.JunkOptionsValidator>());
        services.TryAddSingleton<Junk.JunkSettingsStore>();
        services.TryAddSingleton<Junk.JunkPolicy>();
        services.TryAddSingleton<MessageInspector>();
        // The digest's strings are the console's (Resources/Strings.*.resx); the console registers the same.
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.TryAddSingleton<QuarantineDigestText>();
        services.AddSieveScripts();
        return services;
    }
}
