using Appliance.Filtering.Sieve;

namespace Appliance.Filtering.Rules;

/// <summary>
/// A user's rules as the preference pages see them. <see cref="FormOwned"/>: the active script (if any) is the one the
/// pages write and nobody changed it by hand, so the pages may edit <see cref="Rules"/>; otherwise <see cref="ActiveName"/>
/// and <see cref="ActiveScript"/> are what runs, and the pages show it in the script editor.
/// </summary>
public sealed record RulesState(MailRules Rules, bool FormOwned, string? ActiveName, string? ActiveScript);

/// <summary>
/// Loads and saves the one script the Filters, Forwarding and Out of office pages write (<see cref="ScriptName"/>),
/// through <see cref="SieveScripts"/>, so that ManageSieve and the pages see the same scripts.
/// </summary>
public sealed class UserRules(SieveScripts scripts)
{
    /// <summary>The name of the script the pages write and make active.</summary>
    public const string ScriptName = "appliance";

    /// <summary>The interpreter clamps :days to its limit; the page says so instead.</summary>
    private static readonly int MaxVacationDays = new SieveOptions().MaxVacationDays;

    public async Task<RulesState> LoadAsync(long userId, CancellationToken cancellationToken = default)
    {
        var activeName = await scripts.ActiveNameAsync(userId, cancellationToken).ConfigureAwait(false);
        if (activeName is null)
        {
            // Nothing runs: start from the pages' script if there is one (turned off over ManageSieve), else from nothing.
            var stored = await scripts.GetAsync(userId, ScriptName, cancellationToken).ConfigureAwait(false);
            return new RulesState(RulesScript.TryRead(stored, out var kept) ? kept : new MailRules(), true, null, null);
        }
        var active = await scripts.GetAsync(userId, activeName, cancellationToken).ConfigureAwait(false);
        if (RulesScript.IsOwn(active) && RulesScript.TryRead(active, out var rules))
        {
            return new RulesState(rules, true, activeName, active);
        }
        RulesScript.TryRead(active, out var fromComment);
        return new RulesState(fromComment, false, activeName, active);
    }

    /// <summary>Validates the rules, writes them as the pages' script and makes it the active one.</summary>
    /// <exception cref="RulesException">A rule the script cannot hold.</exception>
    /// <exception cref="SieveScriptException">The store refused it (too large, too many scripts).</exception>
    public async Task SaveAsync(long userId, MailRules rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        RulesScript.Validate(rules, MaxVacationDays);
        var script = RulesScript.Write(rules);
        await scripts.PutAsync(userId, ScriptName, script, cancellationToken).ConfigureAwait(false);
        await scripts.SetActiveAsync(userId, ScriptName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks a script written by hand: the syntax error with its line, or null when it compiles. Nothing is stored.
    /// </summary>
    public static SieveSyntaxException? Check(string script) =>
        SieveScript.TryCompile(script ?? "", null, out _, out var error) ? null : error;

    /// <summary>
    /// Stores a script written by hand under <paramref name="name"/> (the active script's, or the pages' own) and makes it
    /// active. Returns the syntax error and stores nothing when it does not compile.
    /// </summary>
    public async Task<SieveSyntaxException?> SaveScriptAsync(long userId, string? name, string script, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (Check(script) is { } error)
        {
            return error;
        }
        name = string.IsNullOrEmpty(name) ? ScriptName : name;
        await scripts.PutAsync(userId, name, script, cancellationToken).ConfigureAwait(false);
        await scripts.SetActiveAsync(userId, name, cancellationToken).ConfigureAwait(false);
        return null;
    }
}
