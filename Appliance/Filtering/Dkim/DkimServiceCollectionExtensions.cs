using Appliance.Dns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Dkim;

public static class DkimServiceCollectionExtensions
{
    /// <summary>DKIM keys, signing, DKIM and ARC verification, ARC sealing, the domain page's keys, records, check and disclaimers, with <see cref="DkimOptions"/> bound to <c>Appliance:Dkim</c> and checked at start.</summary>
    public static IServiceCollection AddDkim(this IServiceCollection services)
    {
        services.AddOptions<DkimOptions>().BindConfiguration(DkimOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DkimOptions>, DkimOptionsValidator>());
        services.AddDns();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DkimKeyStore>();
        services.TryAddSingleton<DkimSigning>();
        services.TryAddSingleton<DkimVerification>();
        services.TryAddSingleton<ArcVerification>();
        services.TryAddSingleton<ArcSealing>();
        services.TryAddSingleton<DomainRecords>();
        services.TryAddSingleton<DomainRecordCheck>();
        services.TryAddSingleton<Disclaimers.DisclaimerStore>();
        services.TryAddSingleton<Disclaimers.DisclaimerAppender>();
        services.TryAddSingleton<DomainAuthentication>();
        return services;
    }
}
