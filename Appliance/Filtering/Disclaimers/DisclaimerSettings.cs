namespace Appliance.Filtering.Disclaimers;

/// <summary>
/// A domain's disclaimer: <see cref="Text"/> for text/plain parts, <see cref="Html"/> (a fragment, trusted: only an
/// administrator writes it) for text/html parts. Empty means none of that kind.
/// </summary>
public sealed record DisclaimerSettings(string Text = "", string Html = "")
{
    public static DisclaimerSettings None { get; } = new();

    public bool IsEmpty => Text.Trim().Length == 0 && Html.Trim().Length == 0;
}
