using Appliance.Filtering.Dkim;

namespace Appliance.Tests.Filtering.Dkim;

public sealed class DkimTagListTests
{
    [Fact]
    public void Values_lose_folding_white_space_and_a_trailing_semicolon_is_allowed()
    {
        Assert.True(DkimTagList.TryParse(" v=1;\r\n\ta = rsa-sha256 ; b=AB\r\n CD\tEF ;", out var tags));
        Assert.Equal(new Dictionary<string, string> { ["v"] = "1", ["a"] = "rsa-sha256", ["b"] = "ABCDEF" }, tags);
    }

    [Theory]
    [InlineData("v=1; v=1")]
    [InlineData("1v=1")]
    [InlineData("v")]
    [InlineData("v=1; ;")]
    [InlineData("v=1\u0001")]
    [InlineData("v-x=1")]
    public void Malformed_lists_are_refused(string text) => Assert.False(DkimTagList.TryParse(text, out _));

    [Fact]
    public void Every_prefix_of_a_signature_parses_or_is_refused_without_throwing()
    {
        const string field = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=rsa-2026-12; t=1796317200; h=from:to:from; bh=AAAA; b=BBBB";
        for (var i = 0; i <= field.Length; i++)
        {
            _ = DkimTagList.TryParse(field[..i], out _);
        }
        Assert.True(DkimTagList.TryParse(field, out var tags));
        Assert.Equal("from:to:from", tags["h"]);
    }
}
