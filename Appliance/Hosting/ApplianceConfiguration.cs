using Microsoft.Extensions.Configuration;

namespace Appliance.Hosting;

/// <summary>
/// Where settings come from, lowest to highest: the top-level <c>appsettings.json</c> shipped beside
/// the binary, <c>appsettings.{Environment}.json</c>, <c>/etc/appliance/appsettings.json</c> when
/// present, environment variables (<c>Appliance__Listeners__Http=5081</c>), command-line
/// <c>--Appliance:Key=value</c> options, and last <c>--data DIR</c>.
/// </summary>
public static class ApplianceConfiguration
{
    public const string SystemFile = "/etc/appliance/appsettings.json";

    public static void Apply(IConfigurationBuilder builder, string environment, string[] args, string? dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Sources.Clear();
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment}.json"), optional: true, reloadOnChange: false);
        builder.AddJsonFile(SystemFile, optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables();
        builder.AddCommandLine(args);
        if (dataDirectory is not null)
        {
            builder.AddInMemoryCollection([new("Appliance:DataDirectory", dataDirectory)]);
        }
    }
}
