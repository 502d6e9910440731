using System.Reflection;
using Microsoft.AspNetCore.Components;

namespace Appliance.Web.Components.Preferences;

/// <summary>One page of a person's own settings, as the Preferences overview lists it.</summary>
public sealed record PreferencePage(string Href, string Icon, string TitleKey, string TextKey);

/// <summary>
/// The preference pages the overview (<c>/preferences</c>) may list. Each is shown once a routed page answers its
/// address, so a feature that adds its page (signature, out of office, app passwords) appears without a switch.
/// </summary>
public static class PreferencePages
{
    public static IReadOnlyList<PreferencePage> All { get; } =
    [
        new("/preferences/password", "password", "Nav.Password", "Preferences.Password.Text"),
        new("/preferences/signature", "signature", "Preferences.Signature", "Preferences.Signature.Text"),
        new("/preferences/quarantine", "gpp_maybe", "Quarantine.Mine", "Quarantine.MineShort"),
        new("/preferences/filters", "filter_alt", "Filters.Title", "Preferences.Filters.Text"),
        new("/preferences/forwarding", "forward_to_inbox", "Forwarding.Title", "Preferences.Forwarding.Text"),
        new("/preferences/out-of-office", "beach_access", "OutOfOffice.Title", "Preferences.OutOfOffice.Text"),
        new("/preferences/junk", "report", "Junk.Title", "Junk.Short"),
    ];

    private static readonly HashSet<string> Routes = [.. typeof(PreferencePages).Assembly.GetTypes()
        .SelectMany(t => t.GetCustomAttributes<RouteAttribute>()).Select(r => r.Template)];

    public static IEnumerable<PreferencePage> Available => All.Where(p => Routes.Contains(p.Href));
}
