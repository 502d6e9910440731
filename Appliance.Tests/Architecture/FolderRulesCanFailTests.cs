using ArchUnitNET.Loader;

namespace Appliance.Tests.Architecture;

/// <summary>
/// The rules of <see cref="FolderRulesTests"/>, run by the same code over the bad house in
/// <c>Fixture/</c>: each break it contains is reported, and the dependencies it has that the table
/// allows are not. A rule that passed on everything would fail here.
/// </summary>
public sealed class FolderRulesCanFailTests
{
    private const string Root = "Appliance.Tests.Architecture.Fixture";

    private static readonly Lazy<ArchUnitNET.Domain.Architecture> s_fixture =
        new(() => new ArchLoader().LoadNamespacesWithinAssembly(typeof(FolderRulesCanFailTests).Assembly, Root).Build());

    private static readonly Lazy<IReadOnlyDictionary<string, string>> s_violations =
        new(() => new FolderRules(Root).Violations(s_fixture.Value, typeof(FolderRulesCanFailTests).Assembly).ToDictionary(v => v.Name, v => v.Violations));

    private static string Reported(string rule)
    {
        Assert.True(s_violations.Value.TryGetValue(rule, out var text), $"'{rule}' reported nothing; it reported: {string.Join(", ", s_violations.Value.Keys)}");
        return text;
    }

    [Fact]
    public void Exactly_the_broken_rules_fail()
    {
        Assert.Equal(
            new[] { "Cli's row", "Imap's row", "Mail's row", "Mime's row", "SQLite stays in storage (1)", "SQLite stays in storage (2)", "SQLite stays in storage (catch clauses)", "no cycles between folders", "nothing but the root uses Web" },
            s_violations.Value.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_cycle_between_two_folders_is_reported()
    {
        // The cycle runs through a sub-namespace (Smtp.Parsing): a folder is one slice with all below it.
        var text = Reported("no cycles between folders");
        Assert.Contains($"{Root}.Mail.Submission", text, StringComparison.Ordinal);
        Assert.Contains($"{Root}.Smtp.Parsing.Session", text, StringComparison.Ordinal);
        Assert.Contains("Cycle between Mail, Smtp:", text, StringComparison.Ordinal);
        // Web and Web.Components use each other, which is one folder's own business.
        Assert.DoesNotContain($"{Root}.Web.Components", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n'), l => l.StartsWith("Cycle", StringComparison.Ordinal));
    }

    [Fact]
    public void A_protocol_that_uses_Web_is_reported_and_the_root_is_not()
    {
        var text = Reported("nothing but the root uses Web");
        Assert.Contains($"{Root}.Imap.Session", text, StringComparison.Ordinal);
        Assert.DoesNotContain($"{Root}.Program", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependency_outside_a_row_is_reported_with_the_offending_type()
    {
        Assert.Contains($"{Root}.Mail.Submission", Reported("Mail's row"), StringComparison.Ordinal);
        Assert.Contains($"{Root}.Mime.Parser", Reported("Mime's row"), StringComparison.Ordinal);
        Assert.Contains($"{Root}.Cli.Commands", Reported("Cli's row"), StringComparison.Ordinal);
    }

    [Fact]
    public void SQLite_exception_in_a_catch_clause_or_an_exception_filter_is_reported()
    {
        var text = Reported("SQLite stays in storage (2)");
        Assert.Contains($"{Root}.Jobs.FilteringSweeper", text, StringComparison.Ordinal);
        Assert.DoesNotContain($"{Root}.Storage.Store", text, StringComparison.Ordinal);
        // ArchUnitNET does not see a catch clause's type; the IL check does, and only there.
        var caught = Reported("SQLite stays in storage (catch clauses)");
        Assert.Contains($"{Root}.Jobs.CatchingSweeper.Sweep", caught, StringComparison.Ordinal);
        Assert.DoesNotContain("FilteringSweeper", caught, StringComparison.Ordinal);
        Assert.DoesNotContain($"{Root}.Mailstore.Repository", Reported("SQLite stays in storage (1)"), StringComparison.Ordinal);
    }
}
