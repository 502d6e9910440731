using Appliance.Dns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Dmarc;

public static class DmarcServiceCollectionExtensions
{
    /// <summary>
    /// The DMARC evaluator (RFC 7489) on the appliance's stub resolver, with <see cref="DmarcOptions"/> bound to
    /// <c>Appliance:Dmarc</c> and checked at start, and the Public Suffix List read once.
    /// </summary>
    public static IServiceCollection AddDmarc(this IServiceCollection services)
    {
        services.AddOptions<DmarcOptions>().BindConfiguration(DmarcOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DmarcOptions>, DmarcOptionsValidator>());
        services.AddDns();
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DmarcOptions>>().Value;
            return PublicSuffixList.Load(options.ResolvedPublicSuffixListPath, options.IncludePrivateSuffixes);
        });
        services.TryAddSingleton<DmarcEvaluator>();
        return services;
    }
}
