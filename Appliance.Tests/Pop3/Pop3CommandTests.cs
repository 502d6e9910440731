using System.Buffers;
using System.Text;
using Appliance.Pop3;

namespace Appliance.Tests.Pop3;

public sealed class Pop3CommandTests
{
    private static Pop3Command Parse(string line) => Pop3Command.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line)));

    [Theory]
    [InlineData("QUIT", "QUIT", "")]
    [InlineData("quit", "QUIT", "")]
    [InlineData("Top 1 10", "TOP", "1 10")]
    [InlineData("PASS secret with spaces ", "PASS", "secret with spaces ")]
    [InlineData("USER bob@example.com", "USER", "bob@example.com")]
    [InlineData("LIST ", "LIST", "")]
    public void Keyword_is_upper_cased_and_the_rest_kept(string line, string keyword, string arguments)
    {
        var command = Parse(line);
        Assert.Equal(keyword, command.Keyword);
        Assert.Equal(arguments, command.Arguments);
    }

    [Theory]
    [InlineData("")]
    [InlineData("NO")]
    [InlineData("TOOLONG 1")]
    [InlineData(" LIST")]
    [InlineData("LI\u00e9T")]
    [InlineData("\u0001\u0002\u0003")]
    public void A_first_word_that_is_not_3_to_4_VCHAR_is_no_keyword(string line) => Assert.Equal("", Parse(line).Keyword);

    [Theory]
    [InlineData("1", true, 1)]
    [InlineData("0", true, 0)]
    [InlineData("007", true, 7)]
    [InlineData("123456789", true, 123456789)]
    [InlineData("1234567890", false, 0)]
    [InlineData("-1", false, 0)]
    [InlineData("+1", false, 0)]
    [InlineData("1a", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("\u0661", false, 0)]
    public void Message_numbers_are_plain_decimals(string text, bool ok, int value)
    {
        Assert.Equal(ok, Pop3Command.TryParseNumber(text, out var number));
        if (ok) Assert.Equal(value, number);
    }

    [Fact]
    public void Params_split_on_single_spaces()
    {
        Assert.Equal(["1", "10"], Parse("TOP 1 10").Params);
        Assert.Equal(["1", "", "10"], Parse("TOP 1  10").Params);
        Assert.Empty(Parse("STAT").Params);
    }
}
