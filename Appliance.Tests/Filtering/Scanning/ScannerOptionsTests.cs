using Appliance.Filtering.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Scanning;

public sealed class ScannerOptionsTests
{
    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddScanning().BuildServiceProvider();
    }

    [Fact]
    public void Defaults_are_off_with_the_daemons_own_ports_and_limits()
    {
        using var services = Services(new());
        var spam = services.GetRequiredService<IOptions<SpamAssassinOptions>>().Value;
        var clam = services.GetRequiredService<IOptions<ClamAvOptions>>().Value;

        Assert.Equal((false, "127.0.0.1", 783, TimeSpan.FromSeconds(60), 512_000L, SpamdCommand.Report, ""),
            (spam.Enabled, spam.Address, spam.Port, spam.Timeout, spam.MaxMessageBytes, spam.Command, spam.User));
        Assert.Equal((false, "", "127.0.0.1", 3310, TimeSpan.FromSeconds(60), 25L * 1024 * 1024),
            (clam.Enabled, clam.SocketPath, clam.Address, clam.Port, clam.Timeout, clam.MaxStreamBytes));
        Assert.Equal("127.0.0.1:783", services.GetRequiredService<SpamdClient>().Endpoint.ToString());
        Assert.Equal("127.0.0.1:3310", services.GetRequiredService<ClamdClient>().Endpoint.ToString());
    }

    [Fact]
    public void Settings_are_bound_from_configuration()
    {
        using var services = Services(new()
        {
            ["Appliance:Filtering:SpamAssassin:Enabled"] = "true",
            ["Appliance:Filtering:SpamAssassin:Address"] = "spamd.internal",
            ["Appliance:Filtering:SpamAssassin:Port"] = "10783",
            ["Appliance:Filtering:SpamAssassin:Timeout"] = "00:00:15",
            ["Appliance:Filtering:SpamAssassin:Command"] = "Symbols",
            ["Appliance:Filtering:SpamAssassin:User"] = "appliance",
            ["Appliance:Filtering:ClamAV:Enabled"] = "true",
            ["Appliance:Filtering:ClamAV:SocketPath"] = "/var/run/clamav/clamd.ctl",
            ["Appliance:Filtering:ClamAV:MaxStreamBytes"] = "104857600",
        });
        var spam = services.GetRequiredService<IOptions<SpamAssassinOptions>>().Value;
        var clam = services.GetRequiredService<IOptions<ClamAvOptions>>().Value;

        Assert.Equal((true, "spamd.internal", 10783, TimeSpan.FromSeconds(15), SpamdCommand.Symbols, "appliance"),
            (spam.Enabled, spam.Address, spam.Port, spam.Timeout, spam.Command, spam.User));
        Assert.Equal("unix:/var/run/clamav/clamd.ctl", services.GetRequiredService<ClamdClient>().Endpoint.ToString());
        Assert.Equal(100L << 20, clam.MaxStreamBytes);
    }

    [Theory]
    [InlineData("Appliance:Filtering:SpamAssassin:Port", "0", "Appliance:Filtering:SpamAssassin:Port must be from 1 to 65535")]
    [InlineData("Appliance:Filtering:SpamAssassin:Timeout", "00:00:00.01", "Appliance:Filtering:SpamAssassin:Timeout must be")]
    [InlineData("Appliance:Filtering:SpamAssassin:MaxMessageBytes", "10", "Appliance:Filtering:SpamAssassin:MaxMessageBytes must be")]
    [InlineData("Appliance:Filtering:SpamAssassin:Address", " ", "Appliance:Filtering:SpamAssassin:Address must be")]
    [InlineData("Appliance:Filtering:SpamAssassin:User", "two words", "Appliance:Filtering:SpamAssassin:User must be")]
    [InlineData("Appliance:Filtering:ClamAV:Port", "70000", "Appliance:Filtering:ClamAV:Port must be from 1 to 65535")]
    [InlineData("Appliance:Filtering:ClamAV:SocketPath", "clamd.ctl", "Appliance:Filtering:ClamAV:SocketPath must be an absolute path")]
    [InlineData("Appliance:Filtering:ClamAV:MaxStreamBytes", "3000000000", "Appliance:Filtering:ClamAV:MaxStreamBytes must be")]
    [InlineData("Appliance:Filtering:ClamAV:Timeout", "01:00:00", "Appliance:Filtering:ClamAV:Timeout must be")]
    public void A_wrong_setting_names_itself(string key, string value, string message)
    {
        using var services = Services(new() { [key] = value });

        var e = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = services.GetRequiredService<IOptions<SpamAssassinOptions>>().Value;
            _ = services.GetRequiredService<IOptions<ClamAvOptions>>().Value;
        });
        Assert.Contains(e.Failures, f => f.StartsWith(message, StringComparison.Ordinal));
    }
}
