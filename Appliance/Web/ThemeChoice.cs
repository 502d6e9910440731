namespace Appliance.Web;

/// <summary>Which colour scheme the console draws in: the system's (the default), or one the user picked.</summary>
public enum ThemeMode
{
    System,
    Light,
    Dark,
}

/// <summary>
/// The console's theme: Radzen's Material theme with its WCAG colour layer, light and dark, under our brand
/// (<c>wwwroot/theme.css</c>). The user's pick lives in a cookie, so that the server renders the right
/// stylesheets in the first response and nothing flashes; "system" leaves the choice to the browser through
/// <c>prefers-color-scheme</c> media queries on the stylesheet links.
/// </summary>
public static class ThemeChoice
{
    public const string CookieName = "appliance.theme";
    public const string SetPath = "/theme/set";

    /// <summary>Radzen's free themes: Material 3 and Fluent are not among them; "material" is its Material Design theme.</summary>
    public const string LightTheme = "material";
    public const string DarkTheme = "material-dark";

    public static IReadOnlyList<ThemeMode> Modes { get; } = [ThemeMode.Light, ThemeMode.Dark, ThemeMode.System];

    /// <summary>The mode a cookie value names; anything else (none, an old or forged value) is the system's.</summary>
    public static ThemeMode Parse(string? value) => value switch
    {
        "light" => ThemeMode.Light,
        "dark" => ThemeMode.Dark,
        _ => ThemeMode.System,
    };

    public static string Name(ThemeMode mode) => mode switch
    {
        ThemeMode.Light => "light",
        ThemeMode.Dark => "dark",
        _ => "system",
    };

    public static ThemeMode FromRequest(HttpContext? context) => Parse(context?.Request.Cookies[CookieName]);

    /// <summary>
    /// The stylesheets to link, each with the media query that turns it on (null: always). Each theme is its
    /// full stylesheet plus Radzen's WCAG layer, which lifts the colours to AA contrast.
    /// </summary>
    public static IReadOnlyList<(string Href, string? Media)> Stylesheets(ThemeMode mode) => mode switch
    {
        ThemeMode.Light => [(Css(LightTheme), null), (Css(LightTheme + "-wcag"), null)],
        ThemeMode.Dark => [(Css(DarkTheme), null), (Css(DarkTheme + "-wcag"), null)],
        _ =>
        [
            (Css(LightTheme), "(prefers-color-scheme: light)"), (Css(LightTheme + "-wcag"), "(prefers-color-scheme: light)"),
            (Css(DarkTheme), "(prefers-color-scheme: dark)"), (Css(DarkTheme + "-wcag"), "(prefers-color-scheme: dark)"),
        ],
    };

    /// <summary>What the browser should draw its own parts in (scroll bars, form controls): &lt;meta name="color-scheme"&gt;.</summary>
    public static string ColorScheme(ThemeMode mode) => mode switch
    {
        ThemeMode.Light => "light",
        ThemeMode.Dark => "dark",
        _ => "light dark",
    };

    private static string Css(string theme) => $"_content/Radzen.Blazor/css/{theme}.css";
}
