using Appliance.Filtering.Dmarc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Dmarc;

public sealed class DmarcOptionsTests
{
    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddDmarc().BuildServiceProvider();
    }

    [Fact]
    public void Defaults_honour_the_domains_and_read_the_shipped_list()
    {
        using var services = Services(new());
        var options = services.GetRequiredService<IOptions<DmarcOptions>>().Value;
        Assert.Equal((true, true, DmarcDisposition.Reject, "", true),
            (options.HonourReject, options.HonourQuarantine, options.InvalidFromDisposition, options.PublicSuffixListPath, options.IncludePrivateSuffixes));
        var evaluator = services.GetRequiredService<DmarcEvaluator>();
        Assert.Equal("example.co.uk", evaluator.Suffixes.OrganizationalDomain("www.example.co.uk"));
        Assert.True(evaluator.Suffixes.PrivateRules > 0);
    }

    [Fact]
    public void Settings_are_bound_from_configuration()
    {
        using var services = Services(new()
        {
            ["Appliance:Dmarc:HonourReject"] = "false",
            ["Appliance:Dmarc:InvalidFromDisposition"] = "Quarantine",
            ["Appliance:Dmarc:PublicSuffixListPath"] = "/usr/share/publicsuffix/public_suffix_list.dat",
            ["Appliance:Dmarc:IncludePrivateSuffixes"] = "false",
        });
        var options = services.GetRequiredService<IOptions<DmarcOptions>>().Value;
        Assert.False(options.HonourReject);
        Assert.Equal(DmarcDisposition.Quarantine, options.InvalidFromDisposition);
        Assert.Equal(0, services.GetRequiredService<PublicSuffixList>().PrivateRules);
    }

    [Fact]
    public void A_missing_list_fails_with_the_setting_s_name()
    {
        using var services = Services(new() { ["Appliance:Dmarc:PublicSuffixListPath"] = "/nonexistent/psl.dat" });
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DmarcOptions>>().Value);
        Assert.Contains("Appliance:Dmarc:PublicSuffixListPath", error.Message, StringComparison.Ordinal);
    }
}
