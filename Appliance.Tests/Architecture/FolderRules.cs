using System.Reflection;
using ArchUnitNET.Fluent;
using ArchUnitNET.Fluent.Syntax.Elements.Types;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Appliance.Tests.Architecture;

/// <summary>
/// DESIGN.md's layout rules as ArchUnitNET rules over one namespace tree: <c>Appliance</c> for the app,
/// <c>Appliance.Tests.Architecture.Fixture</c> for a deliberately bad house that proves each rule can fail.
/// The "may use" table is written here once, as data; <c>docs/architecture.md</c> explains each row.
/// </summary>
public sealed class FolderRules(string root)
{
    /// <summary>The folders the design calls "services": what protocols, jobs, the console and the command line build on.</summary>
    private static readonly string[] Services = ["Accounts", "Filtering", "Mail", "Mailstore", "Setup", "Storage"];

    /// <summary>The pure formats; every folder above them may read and write them.</summary>
    private static readonly string[] Formats = ["Mime", "Dns"];

    /// <summary>
    /// Folder → the folders it may use (besides itself, the BCL and packages). <c>Program</c> (the root) may use
    /// all and is used by none; <c>Web</c> is used by nothing but the root. <c>Setup</c>, <c>Jobs</c> and
    /// <c>Resources</c> are not in DESIGN.md's table: their rows are explained in docs/architecture.md.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> MayUse = new Dictionary<string, string[]>
    {
        ["Hosting"] = ["Accounts", "Dns", "Filtering", "Imap", "Jobs", "Mail", "Mailstore", "ManageSieve", "Mime", "Pop3", "Protocols", "Setup", "Smtp", "Storage"],
        ["Protocols"] = [],
        ["Mime"] = [],
        ["Dns"] = [],
        // Smtp: the UCE checks (Filtering/Uce) run at connect, HELO, MAIL and RCPT, and the scanners at DATA.
        ["Smtp"] = [.. Services, "Protocols", "Filtering", .. Formats],
        ["Imap"] = [.. Services, "Protocols", .. Formats],
        ["Pop3"] = [.. Services, "Protocols", .. Formats],
        ["ManageSieve"] = [.. Services, "Protocols", .. Formats],
        // Protocols: the outbound SMTP client reads replies with the shared line reader and spools with it.
        ["Mail"] = ["Accounts", "Mailstore", "Storage", "Protocols", "Filtering", .. Formats],
        ["Mailstore"] = ["Storage", .. Formats],
        // Filtering: what judges a message (DKIM keys live in the data folder, Storage's FileSystem writes them;
        // a verdict's reasons are words of the resource files, so that the webmail can show them in the user's language).
        ["Filtering"] = ["Accounts", "Mailstore", "Storage", "Resources", .. Formats],
        ["Accounts"] = ["Storage"],
        ["Storage"] = [],
        ["Setup"] = ["Accounts", "Storage", "Protocols"],
        ["Jobs"] = [.. Services, .. Formats],
        // Web reads the listeners' state (Hosting.ServerStatus, Protocols.ConnectionLimits) for the Status page.
        // ...and edits the protection settings (Filtering.Uce) on the Protection page.
        ["Web"] = [.. Services, .. Formats, "Hosting", "Protocols", "Filtering", "Resources"],
        ["Cli"] = [.. Services, "Hosting", "Resources"],
        ["Resources"] = [],
    };

    /// <summary>
    /// The folders whose SQL may name SQLite's connection and transaction types: Storage, the repositories
    /// of the folders that own tables, and Setup, which writes several repositories' rows in one transaction.
    /// None but Storage may name SQLite's exception.
    /// </summary>
    public static readonly IReadOnlyList<string> SqlFolders = ["Storage", "Accounts", "Mailstore", "Mail", "Setup", "Filtering"];

    private const string SqliteException = "Microsoft.Data.Sqlite.SqliteException";

    public string Root { get; } = root;

    /// <summary>A folder's types: its namespace and those below. The console strings' marker class sits at the root namespace (resource lookup wants it there) but belongs to Resources/.</summary>
    private GivenTypesConjunction Folder(string name) =>
        name == "Resources"
            ? Types().That().ResideInNamespaceOrBelow($"{Root}.Resources").Or().HaveFullName($"{Root}.Strings")
            : Types().That().ResideInNamespaceOrBelow($"{Root}.{name}");

    /// <summary>The composition root: <c>Program</c> and what the compiler nests in it.</summary>
    private GivenTypesConjunction CompositionRoot() =>
        Types().That().ResideInNamespace(Root).And().DoNotHaveFullName($"{Root}.Strings");

    private GivenTypesConjunction AnyOf(IEnumerable<string> folders, bool withRoot)
    {
        GivenTypesConjunction? result = withRoot ? CompositionRoot() : null;
        foreach (var folder in folders)
        {
            result = result is null ? Folder(folder) : folder == "Resources"
                ? result.Or().ResideInNamespaceOrBelow($"{Root}.Resources").Or().HaveFullName($"{Root}.Strings")
                : result.Or().ResideInNamespaceOrBelow($"{Root}.{folder}");
        }
        return result ?? throw new ArgumentException("no folders", nameof(folders));
    }

    /// <summary>A type's top-level folder under the root (Resources for the strings' marker), or null when it has none.</summary>
    private string? FolderOf(string? ns, string fullName)
    {
        if (fullName == $"{Root}.Strings")
        {
            return "Resources";
        }
        if (ns is null || !ns.StartsWith(Root + ".", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = ns[(Root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    /// <summary>
    /// (a) No cycles between the top-level folders: the folder graph ArchUnitNET's dependencies give
    /// (a folder is one slice with everything below it), cut into strongly connected components; each
    /// component of more than one folder is a cycle, reported with one type dependency per edge.
    /// ArchUnitNET 0.13's own slice rule cannot be used for this: its <c>Appliance.(*)</c> makes a slice of
    /// every namespace, so it reports a folder's own sub-namespaces (Imap ↔ Imap.Parsing) as cycles.
    /// </summary>
    public IEnumerable<string> FolderCycles(ArchUnitNET.Domain.Architecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var edges = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in architecture.Types)
        {
            if (FolderOf(type.Namespace?.FullName, type.FullName) is not { } from)
            {
                continue;
            }
            edges.TryAdd(from, new(StringComparer.Ordinal));
            foreach (var dependency in type.Dependencies)
            {
                if (FolderOf(dependency.Target.Namespace?.FullName, dependency.Target.FullName) is { } to && to != from)
                {
                    edges[from].TryAdd(to, $"{type.FullName} -> {dependency.Target.FullName}");
                }
            }
        }
        foreach (var component in StronglyConnected(edges).Where(c => c.Count > 1))
        {
            var inCycle = component.ToHashSet(StringComparer.Ordinal);
            var lines = component.Order(StringComparer.Ordinal)
                .SelectMany(f => edges[f].Where(e => inCycle.Contains(e.Key)).Select(e => $"  {f} -> {e.Key} ({e.Value})"));
            yield return $"Cycle between {string.Join(", ", component.Order(StringComparer.Ordinal))}:\n{string.Join("\n", lines)}";
        }
    }

    /// <summary>Tarjan's algorithm over the folder graph (a few dozen nodes; recursion depth is bounded by them).</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, Dictionary<string, string>> edges)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();
        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in edges.TryGetValue(node, out var targets) ? targets.Keys.ToList() : [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }
            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                result.Add(component);
            }
        }
        foreach (var node in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }
        return result;
    }

    /// <summary>(b) Nothing but the composition root depends on Web/.</summary>
    public IArchRule NothingButTheRootUsesWeb() =>
        AnyOf(MayUse.Keys.Where(f => f != "Web"), withRoot: false).Should().NotDependOnAny(Folder("Web"))
            .Because("the console is a client of the services; only Program registers it");

    /// <summary>(c) One rule per row: the folder uses no folder outside its row, and never the root.</summary>
    public IEnumerable<(string Folder, IArchRule Rule)> EachFolderUsesOnlyItsRow() =>
        MayUse.Select(row =>
        {
            var forbidden = MayUse.Keys.Where(f => f != row.Key && !row.Value.Contains(f));
            return (row.Key, (IArchRule)Folder(row.Key).Should().NotDependOnAny(AnyOf(forbidden, withRoot: true))
                .Because($"DESIGN.md: {row.Key}/ may use {(row.Value.Length == 0 ? "the BCL only" : string.Join(", ", row.Value))}")
                .WithoutRequiringPositiveResults());
        });

    /// <summary>(d) Outside the folders that own tables, no SQLite type at all; outside Storage/, never its exception.</summary>
    public IEnumerable<IArchRule> SqliteStaysInStorage()
    {
        yield return AnyOf(MayUse.Keys.Except(SqlFolders), withRoot: true)
            .Should().NotDependOnAny(Types(true).That().ResideInNamespaceOrBelow("Microsoft.Data.Sqlite"))
            .Because("protocols, jobs, the console and the command line work through the services")
            .WithoutRequiringPositiveResults();
        yield return AnyOf(MayUse.Keys.Where(f => f != "Storage"), withRoot: true)
            .Should().NotDependOnAny(Types(true).That().HaveFullName(SqliteException))
            .Because("storage failures are StorageException, so another backend needs no edits above Storage/")
            .WithoutRequiringPositiveResults();
    }

    /// <summary>Every rule, each with a name for the failure message.</summary>
    public IEnumerable<(string Name, IArchRule Rule)> All()
    {
        yield return ("nothing but the root uses Web", NothingButTheRootUsesWeb());
        foreach (var (folder, rule) in EachFolderUsesOnlyItsRow())
        {
            yield return ($"{folder}'s row", rule);
        }
        var i = 0;
        foreach (var rule in SqliteStaysInStorage())
        {
            yield return ($"SQLite stays in storage ({++i})", rule);
        }
    }

    /// <summary>
    /// (d) for catch clauses, which ArchUnitNET does not count as dependencies (an exception filter's
    /// <c>is</c> it does see): the methods outside Storage/ that catch SQLite's exception, read from IL.
    /// </summary>
    public IEnumerable<string> CatchesOfSqliteExceptionOutsideStorage(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            var ns = type.Namespace ?? "";
            if (ns != Root && !ns.StartsWith(Root + ".", StringComparison.Ordinal) || ns == $"{Root}.Storage" || ns.StartsWith($"{Root}.Storage.", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                var clauses = method.GetMethodBody()?.ExceptionHandlingClauses ?? [];
                if (clauses.Any(c => c.Flags == ExceptionHandlingClauseOptions.Clause && c.CatchType?.FullName == SqliteException))
                {
                    yield return $"{type.FullName}.{method.Name} catches {SqliteException}";
                }
            }
        }
    }

    /// <summary>The rules that fail on <paramref name="architecture"/> (loaded from <paramref name="assembly"/>), each with what is wrong.</summary>
    public IReadOnlyList<(string Name, string Violations)> Violations(ArchUnitNET.Domain.Architecture architecture, Assembly assembly)
    {
        var failed = new List<(string Name, List<string> Results)>();
        foreach (var (name, rule) in All())
        {
            failed.Add((name, [.. rule.Evaluate(architecture).Where(e => !e.Passed).Select(e => e.Description ?? "")]));
        }
        failed.Insert(0, ("no cycles between folders", [.. FolderCycles(architecture)]));
        failed.Add(("SQLite stays in storage (catch clauses)", [.. CatchesOfSqliteExceptionOutsideStorage(assembly)]));
        return [.. failed.Where(r => r.Results.Count > 0).Select(r => (r.Name, string.Join("\n", r.Results)))];
    }
}
