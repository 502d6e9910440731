using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Storage;

public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "Appliance:DataDirectory must name a folder.")
            .Validate(o => o.BusyTimeoutMilliseconds is >= 0 and <= 600_000, "Appliance:BusyTimeoutMilliseconds must be between 0 and 600000.")
            .ValidateOnStart();
        services.AddSingleton<Database>();
        services.AddSingleton<Migrator>();
        services.AddSingleton<BlobStore>();
        services.AddSingleton<GroupCommit>();
        services.AddSingleton<SettingsRepository>();
        return services;
    }
}
