using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Web;

/// <summary>Every string the console shows exists in English, French, German, Italian and Spanish.</summary>
public partial class LocalizationTests
{
    private static readonly string ResourceFolder = Path.Combine(ApplianceProcess.RepositoryRoot, "Appliance", "Resources");
    private static readonly string SourceFolder = Path.Combine(ApplianceProcess.RepositoryRoot, "Appliance");

    private static Dictionary<string, string> Load(string language)
    {
        var file = Path.Combine(ResourceFolder, language == "en" ? "Strings.resx" : $"Strings.{language}.resx");
        return XDocument.Load(file).Root!.Elements("data")
            .ToDictionary(e => (string)e.Attribute("name")!, e => (string)e.Element("value")!);
    }

    public static TheoryData<string> Translations => new() { "fr", "de", "it", "es" };

    [Theory]
    [MemberData(nameof(Translations))]
    public void Translation_has_exactly_the_English_keys(string language)
    {
        var english = Load("en");
        var translated = Load(language);
        Assert.Empty(english.Keys.Except(translated.Keys));
        Assert.Empty(translated.Keys.Except(english.Keys));
        Assert.All(translated, kv => Assert.False(string.IsNullOrWhiteSpace(kv.Value), $"{language}: {kv.Key} is empty"));
    }

    [Theory]
    [MemberData(nameof(Translations))]
    public void Translation_keeps_every_placeholder(string language)
    {
        var english = Load("en");
        var translated = Load(language);
        foreach (var (key, text) in english)
        {
            Assert.True(Placeholders(text).SetEquals(Placeholders(translated[key])), $"{language}: {key} has placeholders {string.Join(",", Placeholders(translated[key]))}, English {string.Join(",", Placeholders(text))}");
        }
    }

    [Fact]
    public void Every_key_the_code_uses_is_in_the_English_resources()
    {
        var english = Load("en");
        var used = new HashSet<string>();
        foreach (var file in Directory.EnumerateFiles(SourceFolder, "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                              && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            foreach (Match m in KeyUse().Matches(text))
            {
                used.Add(m.Groups["key"].Value);
            }
        }
        // Keys built at run time: one per language and one per sign-in failure.
        foreach (var language in new[] { "en", "fr", "de", "it", "es" }) used.Add($"Language.{language}");
        foreach (var error in new[] { "failed", "locked", "disabled" }) used.Add($"Login.Error.{error}");
        foreach (var status in new[] { "accepted", "rejected", "delivered", "deferred", "bounced" }) used.Add($"Log.Status.{status}");
        // The audit page shows each action through "Audit.<action>".
        foreach (var file in Directory.EnumerateFiles(SourceFolder, "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match m in AuditAction().Matches(File.ReadAllText(file)))
            {
                used.Add($"Audit.{m.Groups["action"].Value}");
            }
        }
        Assert.Contains("Audit.user.add", used);

        Assert.True(used.Count > 100, $"only {used.Count} keys found: the scan is broken");
        Assert.Empty(used.Where(k => !english.ContainsKey(k)).Order());
    }

    [Fact]
    public void Localizer_serves_each_language_at_run_time()
    {
        var manager = new System.Resources.ResourceManager("Appliance.Resources.Strings", typeof(Appliance.Strings).Assembly);
        var english = manager.GetString("Login.Title", CultureInfo.GetCultureInfo("en"));
        Assert.Equal("Sign in", english);
        foreach (var language in new[] { "fr", "de", "it", "es" })
        {
            var text = manager.GetString("Setup.Title", CultureInfo.GetCultureInfo(language));
            Assert.NotEqual(manager.GetString("Setup.Title", CultureInfo.GetCultureInfo("en")), text);
            Assert.Equal(Load(language)["Setup.Title"], text);
        }
    }

    [GeneratedRegex(@"audit\.WriteAsync\(connection, transaction, [^,]+, ""(?<action>[a-z.]+)""")]
    private static partial Regex AuditAction();

    private static HashSet<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value)];

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();

    /// <summary>L["Key"], Localizer["Key"], AccountException("Key"), RunAsync(..., "Key"), ShowError("Key"), Purpose strings "Dns.Purpose.X".</summary>
    [GeneratedRegex(@"(?:L\[|Localizer\[|AccountException\(|ShowError\(|ConfirmAsync\(|RunAsync\([^;]*?, )""(?<key>[A-Z][A-Za-z]+(?:\.[A-Za-z]+)+)""|""(?<key>Dns\.Purpose\.[A-Za-z]+)""")]
    private static partial Regex KeyUse();
}
