using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class ContentTypeTests
{
    [Fact]
    public void Type_subtype_and_parameters_are_parsed_with_comments_and_quotes()
    {
        var type = ContentType.Parse("Text/HTML (comment) ; charset = \"UTF-8\" ; format=flowed")!;
        Assert.Equal("text/html", type.MimeType);
        Assert.Equal("UTF-8", type.Charset);
        Assert.Equal("flowed", type.Parameters["FORMAT"]);
    }

    [Fact]
    public void Rfc2231_continuations_are_joined_and_decoded_in_their_charset()
    {
        var disposition = ContentDisposition.Parse("attachment; filename*0*=iso-8859-1'fr'R%E9sum%E9; filename*1=\" final\"; filename*2*=%2Etxt")!;
        Assert.Equal("Résumé final.txt", disposition.FileName);
        Assert.True(disposition.IsAttachment);
    }

    [Fact]
    public void Rfc2231_value_without_sections_is_decoded()
    {
        Assert.Equal("€ rates.pdf", ContentType.Parse("application/pdf; name*=utf-8''%E2%82%AC%20rates.pdf")!.Name);
    }

    [Fact]
    public void Encoded_word_in_quoted_filename_is_decoded_as_outlook_writes_it()
    {
        Assert.Equal("Übersicht.pdf", ContentDisposition.Parse("attachment; filename=\"=?utf-8?B?w5xiZXJzaWNodC5wZGY=?=\"")!.FileName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("text")]
    [InlineData("text/")]
    [InlineData("/plain")]
    public void Invalid_types_give_null(string value) => Assert.Null(ContentType.Parse(value));

    [Theory]
    [InlineData("text/plain; ")]
    [InlineData("text/plain;")]
    [InlineData("text/plain; a")]
    [InlineData("text/plain; a=")]
    [InlineData("text/plain; a=\"unterminated")]
    [InlineData("text/plain; a*0*=x'; a*x=1; a*99999999999=2")]
    public void Truncated_parameters_parse(string value) => Assert.Equal("text/plain", ContentType.Parse(value)!.MimeType);

    [Fact]
    public void Lenient_parameters_skip_garbage_and_read_unquoted_values_to_the_semicolon()
    {
        var type = ContentType.Parse("text/plain; junk; name=my file.txt; charset=utf-8 extra; =x")!;
        Assert.Equal("my file.txt", type.Name);
        Assert.Equal("utf-8 extra", type.Charset);
    }

    [Fact]
    public void Written_parameters_use_rfc2231_for_non_ascii_and_parse_back()
    {
        var name = new string('é', 50) + ".txt";
        var type = new ContentType("text", "plain", [new MimeParameter("name", name), new MimeParameter("charset", "utf-8")]);
        var text = type.ToString();
        Assert.Contains("name*0*=utf-8''", text, StringComparison.Ordinal);
        Assert.All(text.Split("; "), p => Assert.True(p.Length < 78));
        Assert.Equal(name, ContentType.Parse(text)!.Name);
    }
}
