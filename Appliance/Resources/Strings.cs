namespace Appliance;

/// <summary>
/// Marker for the console's strings: <c>IStringLocalizer&lt;Strings&gt;</c> reads Resources/Strings.*.resx,
/// one file per language (en, fr, de, it, es). A test fails when a key is missing in any of them.
/// </summary>
public sealed class Strings
{
    private Strings() { }
}
