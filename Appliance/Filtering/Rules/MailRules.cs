namespace Appliance.Filtering.Rules;

/// <summary>What a condition looks at.</summary>
public enum RuleField { From, To, Subject, Header, Body, Size, SpamScore }

/// <summary>How a condition compares: text (contains, is, matches with * and ?) or number (over, under).</summary>
public enum RuleMatch { Contains, Is, Matches, Over, Under }

/// <summary>What a rule does.</summary>
public enum RuleActionKind { MoveTo, CopyTo, Forward, MarkRead, Flag, Delete, Reply, Stop }

/// <summary>One "when …" line of a rule. <see cref="Value"/> is the text, the size in KB or the spam level (1–10).</summary>
public sealed class RuleCondition
{
    public RuleField Field { get; set; } = RuleField.Subject;

    public RuleMatch Match { get; set; } = RuleMatch.Contains;

    /// <summary>The header's name when <see cref="Field"/> is <see cref="RuleField.Header"/>.</summary>
    public string HeaderName { get; set; } = "";

    public string Value { get; set; } = "";

    public RuleCondition Clone() => (RuleCondition)MemberwiseClone();
}

/// <summary>One "then …" line of a rule. <see cref="Value"/> is the folder, the address or the reply's text.</summary>
public sealed class RuleAction
{
    public RuleActionKind Kind { get; set; } = RuleActionKind.MoveTo;

    public string Value { get; set; } = "";

    public RuleAction Clone() => (RuleAction)MemberwiseClone();
}

/// <summary>A rule of the Filters page: when all (or any) of its conditions hold, its actions run, in order.</summary>
public sealed class FilterRule
{
    public string Name { get; set; } = "";

    public bool Enabled { get; set; } = true;

    /// <summary>True: all conditions must hold (allof); false: any of them (anyof). No condition means every message.</summary>
    public bool MatchAll { get; set; } = true;

    public List<RuleCondition> Conditions { get; set; } = [];

    public List<RuleAction> Actions { get; set; } = [];

    public FilterRule Clone() => new()
    {
        Name = Name,
        Enabled = Enabled,
        MatchAll = MatchAll,
        Conditions = [.. Conditions.Select(c => c.Clone())],
        Actions = [.. Actions.Select(a => a.Clone())],
    };
}

/// <summary>The Forwarding page: every message goes to these addresses too, or only to them.</summary>
public sealed class ForwardingSettings
{
    public bool Enabled { get; set; }

    public List<string> Addresses { get; set; } = [];

    /// <summary>Keep a copy in this mailbox (redirect :copy, RFC 3894); without it the message is only forwarded.</summary>
    public bool KeepCopy { get; set; } = true;
}

/// <summary>The Out of office page: a vacation reply (RFC 5230), between two dates when they are given.</summary>
public sealed class OutOfOfficeSettings
{
    public bool Enabled { get; set; }

    public string Subject { get; set; } = "";

    public string Message { get; set; } = "";

    /// <summary>First day replies are sent (inclusive), in the server's time zone; none means from now.</summary>
    public DateOnly? Start { get; set; }

    /// <summary>Last day replies are sent (inclusive); none means until turned off.</summary>
    public DateOnly? End { get; set; }

    /// <summary>Days before the same sender gets another reply (RFC 5230 §4.1 :days; 7 is its suggested default).</summary>
    public int Days { get; set; } = 7;

    /// <summary>Other addresses of this user that mail may come to (RFC 5230 §4.5 :addresses).</summary>
    public List<string> Addresses { get; set; } = [];
}

/// <summary>Everything the three preference pages edit, written as one Sieve script by <see cref="RulesScript"/>.</summary>
public sealed class MailRules
{
    public List<FilterRule> Rules { get; set; } = [];

    public ForwardingSettings Forwarding { get; set; } = new();

    public OutOfOfficeSettings OutOfOffice { get; set; } = new();
}
