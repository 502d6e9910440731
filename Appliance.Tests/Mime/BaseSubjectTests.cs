using Appliance.Mime;

namespace Appliance.Tests.Mime;

/// <summary>RFC 5256 §2.1's base subject, which SORT SUBJECT and both THREAD algorithms use.</summary>
public class BaseSubjectTests
{
    [Theory]
    [InlineData("Quarterly report", "Quarterly report", false)]
    [InlineData("Re: Quarterly report", "Quarterly report", true)]
    [InlineData("RE: re:Fwd: FW : Quarterly report", "Quarterly report", true)]
    [InlineData("Re[2]: Quarterly report", "Quarterly report", true)]
    [InlineData("Quarterly report (fwd) (FWD)  ", "Quarterly report", true)]
    [InlineData("[list] Re: Quarterly report", "Quarterly report", true)]
    [InlineData("Re: [list] Quarterly report", "Quarterly report", true)]
    [InlineData("[list] [team] Quarterly report", "Quarterly report", false)]
    [InlineData("[Fwd: Re: Quarterly report]", "Quarterly report", true)]
    [InlineData("  Quarterly \t\r\n report  ", "Quarterly report", false)]
    [InlineData("Re: [only a blob]", "[only a blob]", true)]
    [InlineData("[only a blob]", "[only a blob]", false)]
    [InlineData("Reply to all", "Reply to all", false)]
    [InlineData("Fwd", "Fwd", false)]
    [InlineData("Re:", "", true)]
    [InlineData("", "", false)]
    [InlineData(null, "", false)]
    public void Base_subject_strips_leaders_trailers_blobs_and_forward_wrappers(string? subject, string expected, bool replyOrForward)
    {
        Assert.Equal(expected, BaseSubject.Extract(subject, out var reply));
        Assert.Equal(replyOrForward, reply);
    }
}
