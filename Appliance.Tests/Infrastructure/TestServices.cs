using Appliance.Accounts;
using Appliance.Setup;
using Appliance.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// The storage and account services over a temporary data folder, as the host registers them, with
/// cheap password hashing and no failure pauses so that tests stay fast.
/// </summary>
public sealed class TestServices : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    private TestServices(ServiceProvider provider) => Provider = provider;

    public ServiceProvider Provider { get; private set; }
    public string DataDirectory => _directory.Path;

    public static async Task<TestServices> CreateAsync(IDictionary<string, string?>? settings = null, TimeProvider? time = null, bool migrate = true,
        Action<IServiceCollection>? configure = null)
    {
        var services = new TestServices(null!);
        services.Provider = Build(services._directory.Path, settings, time, configure);
        if (migrate)
        {
            await services.Get<Migrator>().MigrateAsync();
        }
        return services;
    }

    public static Dictionary<string, string?> FastSecurity => new()
    {
        ["Appliance:Security:PasswordHashIterations"] = "1000",
        ["Appliance:Security:FailureDelayMilliseconds"] = "0",
        ["Appliance:Security:MaxFailureDelayMilliseconds"] = "0",
    };

    internal static ServiceProvider Build(string dataDirectory, IDictionary<string, string?>? settings, TimeProvider? time, Action<IServiceCollection>? configure = null)
    {
        var values = FastSecurity;
        values["Appliance:DataDirectory"] = dataDirectory;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddLogging();
        if (time is not null)
        {
            collection.AddSingleton(time);
        }
        collection.AddStorage();
        collection.AddAccounts();
        collection.AddSetup();
        Appliance.Mailstore.MailstoreServiceCollectionExtensions.AddMailstore(collection);
        configure?.Invoke(collection);
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public T Get<T>() where T : notnull => Provider.GetRequiredService<T>();

    /// <summary>Sets the server up with example.com and admin@example.com, as the wizard would.</summary>
    public async Task SetUpAsync(string adminPassword = AdminPassword)
    {
        await Get<SetupService>().CompleteAsync(new SetupRequest("en", "mail.example.com", "example.com", "admin@example.com", adminPassword));
    }

    public const string AdminPassword = "Corr3ct-Horse-Battery";

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
