using System.Reflection;
using ArchUnitNET.Loader;

namespace Appliance.Tests.Architecture;

/// <summary>
/// The app's folders keep DESIGN.md's layout: no cycles, nothing but <c>Program</c> depends on
/// <c>Web/</c>, each folder uses only what its row allows, and SQLite stays in the storage layer.
/// Only the app's assembly is loaded, so the bad fixture (<see cref="FolderRulesCanFailTests"/>) is not in it.
/// </summary>
public sealed class FolderRulesTests
{
    private static readonly Lazy<ArchUnitNET.Domain.Architecture> s_app =
        new(() => new ArchLoader().LoadAssemblies(typeof(Program).Assembly).Build());

    private static readonly FolderRules s_rules = new("Appliance");

    [Fact]
    public void The_app_keeps_every_folder_rule()
    {
        var violations = s_rules.Violations(s_app.Value, typeof(Program).Assembly);
        Assert.True(violations.Count == 0, string.Join("\n\n", violations.Select(v => $"{v.Name}:\n{v.Violations}")));
    }

    [Fact]
    public void Every_top_level_folder_has_a_row_and_every_row_is_a_folder()
    {
        var folders = typeof(Program).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null)
            .Select(t => t.Namespace ?? "")
            .Where(n => n.StartsWith("Appliance.", StringComparison.Ordinal))
            .Select(n => n.Split('.')[1])
            .ToHashSet();
        folders.Add("Resources");
        Assert.Equal(folders.Order(StringComparer.Ordinal), FolderRules.MayUse.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_rules_see_the_app_types_they_are_about()
    {
        // A rule over an empty set passes on anything: the app's slices must be the folders themselves.
        var architecture = s_app.Value;
        Assert.Contains(architecture.Types, t => t.FullName == "Appliance.Program");
        Assert.Contains(architecture.Types, t => t.FullName == "Appliance.Web.HttpsRedirect");
        Assert.Contains(architecture.Types, t => t.FullName == "Appliance.Storage.StorageException");
    }
}
