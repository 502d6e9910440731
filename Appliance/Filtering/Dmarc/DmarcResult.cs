using System.Text;

namespace Appliance.Filtering.Dmarc;

/// <summary>The dmarc method's results (RFC 7489 §11.2, RFC 8601 §2.7).</summary>
public enum DmarcStatus
{
    /// <summary>No policy published (no record, several records), or the author domain could not be told.</summary>
    None,
    /// <summary>An aligned identifier passed SPF or DKIM.</summary>
    Pass,
    /// <summary>A policy is published and no aligned identifier passed.</summary>
    Fail,
    /// <summary>The policy could not be looked up in time, or an aligned SPF or DKIM check itself failed temporarily.</summary>
    TempError,
    /// <summary>The published record is malformed: no usable p= and no rua= to fall back on (§6.6.3 step 6).</summary>
    PermError,
}

/// <summary>What the SMTP session does with the message.</summary>
public enum DmarcDisposition
{
    /// <summary>Deliver as the other checks decide.</summary>
    Accept,
    /// <summary>Accept and file into the recipient's Junk folder.</summary>
    Quarantine,
    /// <summary>Refuse at DATA with <see cref="DmarcResult.RejectReply"/> (550 5.7.1), before the 250, so nothing vanishes.</summary>
    Reject,
}

/// <summary>
/// What DMARC decided of one message. <see cref="RequestedPolicy"/> is what the domain asks for this author domain
/// (p=, or sp= for a subdomain found through the organisational domain); <see cref="AppliedPolicy"/> is what is
/// applied after pct sampling (§6.6.4); <see cref="Disposition"/> what the session does after the local overrides
/// of <see cref="DmarcOptions"/>.
/// </summary>
public sealed record DmarcResult(DmarcStatus Status, string? FromDomain, string Reason)
{
    /// <summary>The domain whose _dmarc record was used: the author domain, or its organisational domain (§6.6.3).</summary>
    public string? PolicyDomain { get; init; }

    public DmarcRecord? Record { get; init; }

    public DmarcPolicy? RequestedPolicy { get; init; }

    public DmarcPolicy AppliedPolicy { get; init; } = DmarcPolicy.None;

    public DmarcDisposition Disposition { get; init; } = DmarcDisposition.Accept;

    /// <summary>False when pct= left this failing message out of the policy's sample (§6.6.4).</summary>
    public bool Sampled { get; init; } = true;

    /// <summary>The SPF-authenticated domain that aligned, if any.</summary>
    public string? AlignedSpfDomain { get; init; }

    /// <summary>The d= of a passing DKIM signature that aligned, if any.</summary>
    public string? AlignedDkimDomain { get; init; }

    /// <summary>How the From field was read; <see cref="DmarcAuthorStatus.Found"/> unless the message had none, several or an unusable one.</summary>
    public DmarcAuthorStatus AuthorStatus { get; init; } = DmarcAuthorStatus.Found;

    public const int RejectCode = 550;

    public const string RejectEnhancedCode = "5.7.1";

    /// <summary>The keyword Authentication-Results writes: none, pass, fail, temperror, permerror.</summary>
    public string Keyword => Status.ToString().ToLowerInvariant();

    /// <summary>The text of the 550 5.7.1 reply for a <see cref="DmarcDisposition.Reject"/> (without the codes).</summary>
    public string RejectReply => AuthorStatus == DmarcAuthorStatus.Found
        ? $"Message rejected: it fails the DMARC policy of {FromDomain} (RFC 7489)"
        : $"Message rejected: {Reason} (RFC 7489 §6.6.1)";

    /// <summary>
    /// The resinfo for Authentication-Results (RFC 7489 §11.2): <c>dmarc=fail (p=reject sp=none dis=reject) header.from=example.com</c>;
    /// the comment names the published policy and what was done, as OpenDMARC's does.
    /// </summary>
    public string ToAuthenticationResults()
    {
        var text = new StringBuilder("dmarc=").Append(Keyword);
        var comment = new List<string>();
        if (Record is { } record)
        {
            comment.Add("p=" + record.Policy.ToString().ToLowerInvariant());
            comment.Add("sp=" + (record.SubdomainPolicy ?? record.Policy).ToString().ToLowerInvariant());
            if (Status == DmarcStatus.Fail)
            {
                comment.Add("dis=" + Disposition.ToString().ToLowerInvariant());
            }
        }
        else if (Status is not DmarcStatus.Pass)
        {
            comment.Add(Authentication.AuthenticationResultsBuilder.Comment(Reason));
        }
        if (comment.Count > 0)
        {
            text.Append(" (").Append(string.Join(' ', comment)).Append(')');
        }
        if (FromDomain is not null)
        {
            text.Append(" header.from=").Append(FromDomain);
        }
        return text.ToString();
    }
}
