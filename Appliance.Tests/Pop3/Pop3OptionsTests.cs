using Appliance.Pop3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Pop3;

public sealed class Pop3OptionsTests
{
    [Fact]
    public void Defaults_follow_the_RFCs()
    {
        var o = new Pop3Options();
        Assert.True(o.IdleTimeoutSeconds >= 600, "RFC 1939 §3: at least 10 minutes");
        Assert.True(o.MaxLineLength >= 255, "RFC 2449 §4: 255 octets");
        Assert.Equal(3, o.MaxAuthFailures);
    }

    [Theory]
    [InlineData("MaxLineLength", "254")]
    [InlineData("IdleTimeoutSeconds", "0")]
    [InlineData("MaxAuthFailures", "0")]
    [InlineData("MaxErrors", "0")]
    public void A_bad_setting_fails_with_its_name(string setting, string value)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Appliance:Pop3:{setting}"] = value }).Build());
        services.AddLogging();
        services.AddPop3();
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Pop3Options>>().Value);
        Assert.Contains($"Appliance:Pop3:{setting}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_bind_from_the_section()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Appliance:Pop3:MaxLineLength"] = "4096" }).Build());
        services.AddLogging();
        services.AddPop3();
        using var provider = services.BuildServiceProvider();
        Assert.Equal(4096, provider.GetRequiredService<IOptions<Pop3Options>>().Value.MaxLineLength);
    }
}
