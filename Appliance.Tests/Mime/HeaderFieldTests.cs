using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class HeaderFieldTests
{
    private static string Raw(HeaderField field) => Encoding.UTF8.GetString(field.Raw.Span);

    [Fact]
    public void Long_ascii_value_folds_before_white_space_within_78_characters()
    {
        var value = string.Join(' ', Enumerable.Range(0, 40).Select(i => $"word{i}"));
        var field = HeaderField.Create("Subject", value);
        var lines = Raw(field).Split("\r\n")[..^1];
        Assert.True(lines.Length > 1);
        Assert.All(lines, l => Assert.True(l.Length <= 78, l));
        Assert.All(lines.Skip(1), l => Assert.StartsWith(" ", l, StringComparison.Ordinal));
        Assert.Equal(value, field.Value);
    }

    [Fact]
    public void Word_too_long_to_fold_is_encoded_so_no_line_passes_78()
    {
        var value = "see " + new string('a', 2000) + " end";
        var field = HeaderField.Create("Subject", value);
        Assert.All(Raw(field).Split("\r\n"), l => Assert.True(l.Length <= 78, l));
        Assert.Equal(value, field.DecodedValue);
    }

    [Fact]
    public void Non_ascii_stretch_is_encoded_and_ascii_around_it_stays()
    {
        var field = HeaderField.Create("Subject", "Re: Grüße aus Köln [ticket 42]");
        Assert.StartsWith("Subject: Re: =?utf-8?", Raw(field), StringComparison.Ordinal);
        Assert.EndsWith("?= [ticket 42]\r\n", Raw(field), StringComparison.Ordinal);
        Assert.Equal("Re: Grüße aus Köln [ticket 42]", field.DecodedValue);
    }

    [Fact]
    public void Text_that_looks_like_an_encoded_word_is_encoded_to_survive_decoding()
    {
        Assert.Equal("=?x?q?y?=", HeaderField.Create("Subject", "=?x?q?y?=").DecodedValue);
    }

    [Fact]
    public void Field_names_must_be_printable_ascii_without_colon() =>
        Assert.Throws<ArgumentException>(() => HeaderField.Create("Bad: name", "x"));

    [Fact]
    public void Set_replaces_in_place_and_remove_all_removes_every_occurrence()
    {
        var message = MimeMessage.Parse("A: 1\r\nB: 2\r\nA: 3\r\nC: 4\r\n\r\nbody"u8.ToArray());
        message.Headers.Set(HeaderField.Create("a", "new"));
        Assert.Equal(["a", "B", "C"], message.Headers.Select(h => h.Name));
        Assert.Equal(1, message.Headers.RemoveAll("c"));
        Assert.Equal("a: new\r\nB: 2\r\n\r\nbody", Encoding.UTF8.GetString(message.ToArray()));
    }

    [Fact]
    public void Long_ascii_parameter_is_split_into_rfc2231_sections()
    {
        var name = string.Concat(Enumerable.Repeat("quarterly-report-", 10)) + ".pdf";
        var type = new ContentType("application", "pdf", [new MimeParameter("name", name)]);
        var field = HeaderField.CreateEncoded("Content-Type", type.ToString());
        Assert.All(Raw(field).Split("\r\n"), l => Assert.True(l.Length <= 78, l));
        Assert.Equal(name, ContentType.Parse(field.Value)!.Name);
    }
}
