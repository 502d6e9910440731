using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Appliance.Dns;

public static class DnsServiceCollectionExtensions
{
    /// <summary>The stub resolver as <see cref="IDnsResolver"/>, with <see cref="DnsOptions"/> bound to <c>Appliance:Dns</c> and checked at start.</summary>
    public static IServiceCollection AddDns(this IServiceCollection services)
    {
        services.AddOptions<DnsOptions>()
            .BindConfiguration(DnsOptions.Section)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DnsOptions>, DnsOptionsValidator>());
        services.TryAddSingleton<IDnsResolver, DnsResolver>();
        return services;
    }
}
