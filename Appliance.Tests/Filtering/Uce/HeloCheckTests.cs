using System.Net;
using Appliance.Filtering.Uce;

namespace Appliance.Tests.Filtering.Uce;

public sealed class HeloCheckTests
{
    private static readonly IPAddress[] Ours = [IPAddress.Parse("192.0.2.25"), IPAddress.Parse("2001:db8::25")];

    [Theory]
    [InlineData("mail.example.net", HeloProblem.None)]
    [InlineData("mail.example.net.", HeloProblem.None)]
    [InlineData("a-1.b2.example", HeloProblem.None)]
    [InlineData("[198.51.100.7]", HeloProblem.None)]
    [InlineData("[IPv6:2001:db8::7]", HeloProblem.None)]
    [InlineData("localhost", HeloProblem.NotQualified)]
    [InlineData("PC-OFFICE", HeloProblem.NotQualified)]
    [InlineData("-bad.example", HeloProblem.Syntax)]
    [InlineData("bad-.example", HeloProblem.Syntax)]
    [InlineData("under_score.example", HeloProblem.Syntax)]
    [InlineData("two..dots.example", HeloProblem.Syntax)]
    [InlineData("198.51.100.7", HeloProblem.Syntax)]
    [InlineData("[198.51.100]", HeloProblem.Syntax)]
    [InlineData("[0x7f.0.0.1]", HeloProblem.Syntax)]
    [InlineData("[256.1.1.1]", HeloProblem.Syntax)]
    [InlineData("[IPv6:not-an-address]", HeloProblem.Syntax)]
    [InlineData("[2001:db8::7]", HeloProblem.Syntax)]
    [InlineData("MX.Appliance.Example", HeloProblem.OurName)]
    [InlineData("[192.0.2.25]", HeloProblem.OurAddress)]
    [InlineData("[IPv6:2001:db8::25]", HeloProblem.OurAddress)]
    public void Helo_is_judged_by_RFC_5321_and_by_who_we_are(string helo, HeloProblem expected) =>
        Assert.Equal(expected, HeloCheck.Check(helo, "mx.appliance.example", Ours));
}
