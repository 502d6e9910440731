using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class QuotedPrintableTests
{
    private static string Decode(string s) => Encoding.UTF8.GetString(QuotedPrintable.Decode(Encoding.ASCII.GetBytes(s)));

    [Theory]
    [InlineData("a=3Db", "a=b")]
    [InlineData("soft=\r\nbreak", "softbreak")]
    [InlineData("soft=\nbreak", "softbreak")]
    [InlineData("caf=c3=a9", "café")]
    [InlineData("bad =ZZ and =", "bad =ZZ and =")]
    [InlineData("end =4", "end =4")]
    [InlineData("keep\r\nlines\n", "keep\r\nlines\n")]
    public void Decodes_leniently(string input, string expected) => Assert.Equal(expected, Decode(input));

    [Fact]
    public void Trailing_white_space_is_transport_padding_and_removed()
    {
        // RFC 2045 §6.7 (3): "any trailing white space on a line must be deleted" when decoding.
        Assert.Equal("padding\r\nlast  ", Decode("padding \t \r\nlast  "));
    }

    [Fact]
    public void Encoded_lines_stay_within_76_characters_and_decode_back()
    {
        var text = string.Concat(Enumerable.Repeat("Grüße, naïve café = ", 20)) + "trailing space \nnext line";
        var encoded = QuotedPrintable.Encode(Encoding.UTF8.GetBytes(text));
        Assert.All(encoded.Split("\r\n"), line => Assert.True(line.Length <= 76, line));
        Assert.Contains("space=20\r\n", encoded, StringComparison.Ordinal);
        Assert.Equal(text.Replace("\n", "\r\n", StringComparison.Ordinal), Decode(encoded));
    }
}
