namespace Appliance.Web.Components.Layout;

/// <summary>One entry of the navigation drawer.</summary>
/// <param name="Href">Where it leads.</param>
/// <param name="Icon">A Material Symbols ligature (the icon font Radzen ships).</param>
/// <param name="TextKey">Its name in the resource files.</param>
/// <param name="Section">The path prefix under which the entry is the current one (defaults to <paramref name="Href"/>).</param>
/// <param name="Available">False while the page does not exist yet: the entry stays hidden. Flip it when the page lands.</param>
public sealed record NavEntry(string Href, string Icon, string TextKey, string? Section = null, bool Available = true)
{
    public bool IsCurrent(string path)
    {
        var prefix = Section ?? Href;
        return path.Equals(prefix, StringComparison.OrdinalIgnoreCase)
            || path.StartsWith(prefix.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// What the drawer lists: the apps every signed-in person has, then the administration pages for administrators.
/// A later issue adds its page and switches its entry on here; nothing else in the shell changes.
/// </summary>
public static class ShellNavigation
{
    /// <summary>The webmail, first of the apps.</summary>
    public static NavEntry Mail { get; } = new("/mail", "mail", "Nav.Mail");

    public static IReadOnlyList<NavEntry> Apps { get; } =
    [
        Mail,
        new("/calendar", "calendar_month", "Nav.Calendar", Available: false),
        new("/contacts", "contacts", "Nav.Contacts", Available: false),
        new("/tasks", "task_alt", "Nav.Tasks", Available: false),
        new("/notes", "sticky_note_2", "Nav.Notes", Available: false),
        // The overview of the preference pages; the entry stays current on every page under /preferences.
        new("/preferences", "settings", "Nav.Preferences"),
    ];

    public static IReadOnlyList<NavEntry> Administration { get; } =
    [
        new("/admin/status", "monitor_heart", "Nav.Dashboard"),
        new("/admin/domains", "domain", "Nav.Domains"),
        new("/admin/users", "person", "Nav.Users"),
        new("/admin/aliases", "alternate_email", "Nav.Aliases"),
        new("/admin/groups", "groups", "Nav.Groups"),
        new("/admin/queue", "schedule_send", "Nav.Queue"),
        new("/admin/log", "receipt_long", "Nav.MessageLog"),
        new("/admin/quarantine", "gpp_maybe", "Nav.Quarantine"),
        new("/admin/audit", "policy", "Nav.Audit"),
        new("/admin/protection", "shield", "Nav.Protection"),
        new("/admin/filters", "filter_alt", "Nav.Filters"),
        new("/admin/scanners", "coronavirus", "Nav.Scanners"),
    ];

    /// <summary>Where a person lands after signing in (and at "/" and "/webmail"): administrators on the dashboard, everyone else in the Inbox.</summary>
    public static string Landing(bool isAdmin) => isAdmin ? "/admin/status" : "/mail";
}
