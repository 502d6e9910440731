using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class EncodedWordsTests
{
    [Theory]
    [InlineData("=?iso-8859-1?q?caf=E9?=", "café")]
    [InlineData("=?UTF-8?B?w6k=?=", "é")]
    [InlineData("a =?utf-8?q?b?= c", "a b c")]
    [InlineData("=?utf-8?q?a?=  \t =?utf-8?q?b?=", "ab")]
    [InlineData("=?utf-8?q?a_b?= =?utf-8?q?_c?=", "a b c")]
    [InlineData("=?utf-8*en?q?lang?=", "lang")]
    [InlineData("=?utf-8?x?bad?=", "=?utf-8?x?bad?=")]
    [InlineData("=?utf-8?q?unterminated", "=?utf-8?q?unterminated")]
    [InlineData("no words", "no words")]
    [InlineData("=?no-such-charset?q?plain?=", "plain")]
    public void Decodes_rfc2047_words(string input, string expected) => Assert.Equal(expected, EncodedWords.Decode(input));

    [Fact]
    public void Multibyte_character_split_across_words_is_joined()
    {
        // "€" is E2 82 AC; a sender cut it after the first byte.
        Assert.Equal("€", EncodedWords.Decode("=?utf-8?q?=E2?= =?utf-8?q?=82=AC?="));
    }

    [Theory]
    [InlineData("Grüße aus Köln")]
    [InlineData("日本語の件名がとても長い場合には複数の単語に分けられなければならない、そうでしょう？")]
    [InlineData("mixed ascii with one é and a lot of plain words after it to make it long enough")]
    public void Encoded_words_are_short_and_decode_back(string text)
    {
        var words = EncodedWords.Encode(text);
        Assert.All(words, w => Assert.True(w.Length <= 75, w));
        Assert.Equal(text, EncodedWords.Decode(string.Join(' ', words)));
    }
}
