namespace Appliance.Accounts;

/// <summary>Who asks for a change: recorded in the audit log and checked by every administrator's action.</summary>
public sealed record Actor(string Name, bool IsAdmin)
{
    /// <summary>The server's own command line, run by whoever may read the data folder (root, in practice).</summary>
    public static Actor CommandLine { get; } = new("command-line", true);

    /// <summary>The first-run wizard, before any administrator exists.</summary>
    public static Actor Setup { get; } = new("setup", true);

    public void DemandAdministrator()
    {
        if (!IsAdmin)
        {
            throw new ForbiddenException($"{Name} is not an administrator.");
        }
    }
}
