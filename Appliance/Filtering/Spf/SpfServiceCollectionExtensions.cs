using Appliance.Dns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Appliance.Filtering.Spf;

public static class SpfServiceCollectionExtensions
{
    /// <summary>The SPF evaluator (RFC 7208) on the appliance's stub resolver.</summary>
    public static IServiceCollection AddSpf(this IServiceCollection services)
    {
        services.AddDns();
        services.TryAddSingleton(provider => new SpfEvaluator(provider.GetRequiredService<IDnsResolver>()));
        return services;
    }
}
