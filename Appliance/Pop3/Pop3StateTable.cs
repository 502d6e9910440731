namespace Appliance.Pop3;

/// <summary>RFC 1939 §3. The UPDATE state lasts only while QUIT removes the deleted messages, so it takes no commands.</summary>
public enum Pop3State
{
    /// <summary>Greeting sent; the client must identify itself (USER/PASS or AUTH).</summary>
    Authorization,
    /// <summary>Signed in with the maildrop locked: the client reads and marks messages.</summary>
    Transaction,
}

/// <summary>Which commands each state accepts; anything else gets the same -ERR, from this one table.</summary>
public static class Pop3StateTable
{
    private static readonly Pop3State[] Any = Enum.GetValues<Pop3State>();
    private static readonly Pop3State[] Authorization = [Pop3State.Authorization];
    private static readonly Pop3State[] Transaction = [Pop3State.Transaction];

    private static readonly Dictionary<string, Pop3State[]> Allowed = new(StringComparer.Ordinal)
    {
        ["CAPA"] = Any,
        ["QUIT"] = Any,
        ["USER"] = Authorization,
        ["PASS"] = Authorization,
        ["AUTH"] = Authorization,
        ["STLS"] = Authorization,
        ["STAT"] = Transaction,
        ["LIST"] = Transaction,
        ["RETR"] = Transaction,
        ["DELE"] = Transaction,
        ["NOOP"] = Transaction,
        ["RSET"] = Transaction,
        ["TOP"] = Transaction,
        ["UIDL"] = Transaction,
    };

    public static bool IsKnown(string keyword) => Allowed.ContainsKey(keyword);

    public static bool Accepts(Pop3State state, string keyword) => Allowed.TryGetValue(keyword, out var states) && states.Contains(state);

    public static Pop3Reply WrongState(Pop3State state) => state == Pop3State.Authorization
        ? Pop3Reply.Error("Not signed in yet")
        : Pop3Reply.Error("Already signed in");
}
