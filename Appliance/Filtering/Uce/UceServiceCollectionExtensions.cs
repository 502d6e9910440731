using Appliance.Dns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Uce;

public static class UceServiceCollectionExtensions
{
    /// <summary>The UCE checks of the SMTP door (<see cref="UceGuard"/>), with <see cref="UceOptions"/> bound to <c>Appliance:Uce</c> and checked at start. Needs AddStorage().</summary>
    public static IServiceCollection AddUce(this IServiceCollection services)
    {
        services.AddOptions<UceOptions>().BindConfiguration(UceOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UceOptions>, UceOptionsValidator>());
        services.AddDns();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<UceSettingsStore>();
        services.TryAddSingleton<Greylisting>();
        services.TryAddSingleton<UceGuard>();
        return services;
    }
}
