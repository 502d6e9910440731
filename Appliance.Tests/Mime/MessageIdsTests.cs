using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class MessageIdsTests
{
    [Fact]
    public void A_plain_msg_id_is_returned_with_its_brackets()
    {
        Assert.Equal(["<abc.123@example.com>"], MessageIds.Parse("<abc.123@example.com>"));
        Assert.Equal("<abc.123@example.com>", MessageIds.First(" <abc.123@example.com> "));
    }

    [Fact]
    public void References_gives_every_id_in_order_with_duplicates_kept()
    {
        Assert.Equal(["<a@x>", "<b@x>", "<a@x>", "<c@y>"], MessageIds.Parse("<a@x> <b@x>\r\n\t<a@x><c@y>"));
    }

    [Fact]
    public void Comments_around_ids_are_skipped_even_when_they_hold_brackets()
    {
        Assert.Equal(["<a@x>", "<b@x>"], MessageIds.Parse("(first <not@this>) <a@x> (second (nested <no@no>)) <b@x> (trailing"));
    }

    [Fact]
    public void Cfws_and_folding_inside_the_brackets_is_removed()
    {
        // obs-id-left = local-part allows CFWS between its parts; a folded References can split an id.
        Assert.Equal(["<part1.part2@example.com>"], MessageIds.Parse("< part1 (c) .part2\r\n @ example.com >"));
    }

    [Fact]
    public void The_phrase_of_an_obsolete_in_reply_to_is_not_an_id_even_when_quoted_with_brackets()
    {
        Assert.Equal(["<root@example.org>"], MessageIds.Parse("Your message of Monday <root@example.org>"));
        Assert.Equal(["<root@example.org>"], MessageIds.Parse("\"quoted <fake@id>\" <root@example.org>"));
    }

    [Fact]
    public void Bare_ids_without_brackets_are_taken_and_bracketed_but_other_words_are_not()
    {
        Assert.Equal(["<abc@host.example>"], MessageIds.Parse("abc@host.example"));
        Assert.Equal(["<a@x>", "<b@y>"], MessageIds.Parse("a@x, b@y"));
        Assert.Empty(MessageIds.Parse("message from Monday"));
        Assert.Empty(MessageIds.Parse("two@at@signs"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("<>")]
    [InlineData("<unclosed@x")]
    [InlineData("<a\u0001b@x>")]
    [InlineData("<<<>>>")]
    [InlineData("(unclosed comment <a@x>")]
    [InlineData("\"unclosed quote <a@x>")]
    public void Malformed_input_gives_no_id_and_never_throws(string? field)
    {
        Assert.Empty(MessageIds.Parse(field));
        Assert.Null(MessageIds.First(field));
    }

    [Fact]
    public void A_second_opening_bracket_restarts_the_id()
    {
        Assert.Equal(["<real@x>"], MessageIds.Parse("<broken <real@x>"));
    }

    [Fact]
    public void An_id_too_long_for_a_header_line_is_dropped()
    {
        var huge = "<" + new string('a', MessageIds.MaxIdLength) + "@x>";
        Assert.Equal(["<ok@x>"], MessageIds.Parse(huge + " <ok@x>"));
    }

    [Fact]
    public void Ids_bracketed_without_an_at_sign_are_kept_as_their_sender_wrote_them()
    {
        // Lenient where the brackets make the intent plain: threading still joins such a message to its replies.
        Assert.Equal(["<12345.local>"], MessageIds.Parse("<12345.local>"));
    }

    [Fact]
    public void A_field_of_many_thousands_of_ids_is_read_in_one_pass()
    {
        var field = string.Join(" ", Enumerable.Range(0, 20_000).Select(i => $"<{i}@x>"));
        var ids = MessageIds.Parse(field);
        Assert.Equal(20_000, ids.Count);
        Assert.Equal("<19999@x>", ids[^1]);
    }
}
