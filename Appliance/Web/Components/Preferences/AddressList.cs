namespace Appliance.Web.Components.Preferences;

/// <summary>Addresses typed one a line (or separated by commas or spaces), trimmed, duplicates dropped.</summary>
internal static class AddressList
{
    public static List<string> Split(string? text) =>
        [.. (text ?? "").Split(['\n', '\r', ',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.OrdinalIgnoreCase)];
}
