using System.Globalization;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Junk;

/// <summary><c>Appliance:Filtering:Junk</c>: the limits of the per-domain and per-user junk settings.</summary>
public sealed class JunkOptions
{
    public const string Section = "Appliance:Filtering:Junk";

    /// <summary>
    /// Entries one user may have in their allow and block lists together. Default 1000: delivery reads the whole list
    /// for every message to the user, and a list of thousands is a filter rule, not a list.
    /// </summary>
    public int MaxSenders { get; set; } = 1000;

    /// <summary>How stale a domain's settings may be when another process changed them. Default 10 seconds: read per recipient.</summary>
    public int SettingsCacheSeconds { get; set; } = 10;
}

public sealed class JunkOptionsValidator : IValidateOptions<JunkOptions>
{
    public ValidateOptionsResult Validate(string? name, JunkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxSenders is < 1 or > 100_000)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{JunkOptions.Section}:MaxSenders must be from 1 to 100000 (was {options.MaxSenders})."));
        }
        if (options.SettingsCacheSeconds is < 0 or > 3600)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{JunkOptions.Section}:SettingsCacheSeconds must be from 0 to 3600 (was {options.SettingsCacheSeconds})."));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
