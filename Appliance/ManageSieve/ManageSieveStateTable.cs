namespace Appliance.ManageSieve;

/// <summary>RFC 5804 §2: before and after AUTHENTICATE.</summary>
public enum ManageSieveState
{
    NonAuthenticated,
    Authenticated,
}

/// <summary>Which commands each state accepts; anything else gets the same NO, from this one table.</summary>
public static class ManageSieveStateTable
{
    private static readonly ManageSieveState[] Any = Enum.GetValues<ManageSieveState>();
    private static readonly ManageSieveState[] Before = [ManageSieveState.NonAuthenticated];
    private static readonly ManageSieveState[] After = [ManageSieveState.Authenticated];

    private static readonly Dictionary<string, ManageSieveState[]> Allowed = new(StringComparer.Ordinal)
    {
        ["CAPABILITY"] = Any,
        ["LOGOUT"] = Any,
        ["NOOP"] = Any,
        ["STARTTLS"] = Before,
        ["AUTHENTICATE"] = Before,
        ["UNAUTHENTICATE"] = After,
        ["HAVESPACE"] = After,
        ["PUTSCRIPT"] = After,
        ["LISTSCRIPTS"] = After,
        ["SETACTIVE"] = After,
        ["GETSCRIPT"] = After,
        ["DELETESCRIPT"] = After,
        ["RENAMESCRIPT"] = After,
        ["CHECKSCRIPT"] = After,
    };

    public static bool IsKnown(string command) => Allowed.ContainsKey(command);

    public static bool Accepts(ManageSieveState state, string command) => Allowed.TryGetValue(command, out var states) && states.Contains(state);

    public static ManageSieveResponse WrongState(ManageSieveState state) => state == ManageSieveState.NonAuthenticated
        ? ManageSieveResponse.No("Authenticate first")
        : ManageSieveResponse.No("Already authenticated");
}
