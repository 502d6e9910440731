using ArchUnitNET.Loader;

namespace Appliance.Tests.Architecture;

/// <summary>The app keeps <see cref="MessageLoadingRules"/>, and the same code reports each break of a bad house.</summary>
public sealed class MessageLoadingRulesTests
{
    private const string Fixture = "Appliance.Tests.Architecture.LoadingHouse";

    private static readonly Lazy<ArchUnitNET.Domain.Architecture> s_app =
        new(() => new ArchLoader().LoadAssemblies(typeof(Program).Assembly).Build());

    private static readonly Lazy<IReadOnlyList<string>> s_fixture =
        new(() => new MessageLoadingRules(Fixture).Violations(
            new ArchLoader().LoadNamespacesWithinAssembly(typeof(MessageLoadingRulesTests).Assembly, Fixture).Build()));

    [Fact]
    public void Only_the_loader_parses_stored_messages_and_reads_whole_blobs()
    {
        var violations = new MessageLoadingRules("Appliance").Violations(s_app.Value);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void The_app_has_the_calls_the_rule_is_about()
    {
        // A rule that saw no calls would pass on anything: the loader's own calls must be visible to it.
        var loader = s_app.Value.Types.Where(t => t.FullName.StartsWith("Appliance.Mailstore.MessageLoader", StringComparison.Ordinal) || t.FullName.StartsWith("Appliance.Mailstore.LoadedMessage", StringComparison.Ordinal));
        var calls = loader.SelectMany(t => t.Dependencies.OfType<ArchUnitNET.Domain.Dependencies.MethodCallDependency>()).Select(c => c.TargetMember.Name);
        Assert.Contains(calls, n => n.StartsWith("ReadAsync(", StringComparison.Ordinal));
        Assert.Contains(calls, n => n.StartsWith("Parse(", StringComparison.Ordinal));
    }

    [Fact]
    public void A_parse_or_a_whole_blob_read_outside_the_loader_is_reported_also_inside_async_methods_and_lambdas()
    {
        Assert.Equal(
            [
                $"{Fixture}.Imap.Fetch parses a message ({Fixture}.Mime.MimeMessage.Parse); load it with MessageLoader",
                $"{Fixture}.Imap.Fetch reads a whole blob ({Fixture}.Storage.BlobStore.Map); load it with MessageLoader",
                $"{Fixture}.Web.Composer parses a message ({Fixture}.Mime.MimeMessage.Parse); load it with MessageLoader",
                $"{Fixture}.Web.Reader parses a message ({Fixture}.Mime.MimeParser.Parse); load it with MessageLoader",
            ],
            s_fixture.Value);
    }
}
