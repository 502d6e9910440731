using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Appliance.Setup;

public static class SetupServiceCollectionExtensions
{
    public static IServiceCollection AddSetup(this IServiceCollection services)
    {
        services.AddOptions<SetupOptions>().BindConfiguration(SetupOptions.Section).ValidateOnStart();
        // The certificate every listener serves lives in the data folder's tls/; setup is what writes it.
        services.AddOptions<TlsOptions>().Configure<IOptions<StorageOptions>>((tls, storage) => tls.Directory = storage.Value.TlsDirectory);
        services.TryAddSingleton<TlsCertificateStore>();
        services.AddSingleton<TlsInstaller>();
        services.AddSingleton<SetupToken>();
        services.AddSingleton<SetupService>();
        return services;
    }
}
