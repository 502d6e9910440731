using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Setup;

public static class SetupServiceCollectionExtensions
{
    public static IServiceCollection AddSetup(this IServiceCollection services)
    {
        services.AddOptions<SetupOptions>().BindConfiguration(SetupOptions.Section).ValidateOnStart();
        services.AddSingleton<SetupToken>();
        services.AddSingleton<SetupService>();
        return services;
    }
}
