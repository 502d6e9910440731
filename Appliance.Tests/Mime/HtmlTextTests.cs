using System.Diagnostics;
using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class HtmlTextTests
{
    [Theory]
    [InlineData("<p>One</p><p>Two</p>", "One\n\nTwo")]
    [InlineData("Line<br>next<br/>last</br>after", "Line\nnext\nlast\nafter")]
    [InlineData("<ul><li>a</li><li>b</li></ul>", "- a\n- b")]
    [InlineData("<ol><li>a</li><li>b</li></ol>", "1. a\n2. b")]
    [InlineData("<ol start=\"7\"><li>a<li>b</ol>", "7. a\n8. b")]
    [InlineData("See <a href=\"https://example.com/x\">the site</a>.", "See the site <https://example.com/x>.")]
    [InlineData("<a href=\"https://example.com\">https://example.com</a>", "https://example.com")]
    [InlineData("<a href=\"mailto:ann%40example.com?subject=hi\">Ann</a> <a href=\"#top\">top</a> <a href=\"javascript:x()\">run</a>", "Ann <ann@example.com> top run")]
    [InlineData("<p>Me:</p><blockquote><p>quoted</p><p>more</p></blockquote>", "Me:\n\n> quoted\n>\n> more")]
    [InlineData("<blockquote>outer<blockquote>inner</blockquote></blockquote>", "> outer\n>\n>> inner")]
    [InlineData("Tom &amp; Jerry &lt;3 &eacute;t&eacute;&nbsp;! &#8364; &#x41;", "Tom & Jerry <3 été ! € A")]
    [InlineData("<div>a</div><div>b</div><script>alert(1)</script><style>p{}</style>", "a\nb")]
    [InlineData("  lots   of\n\n  space  ", "lots of space")]
    [InlineData("<hr>x<hr>", "----------\nx\n----------")]
    [InlineData("<img src=\"cid:logo\" alt=\"Logo\"> <img src=x>", "[Logo]")]
    [InlineData("<pre>  two\n    lines</pre>after", "  two\n    lines\n\nafter")]
    [InlineData("a < b and c<3", "a < b and c<3")]
    public void Structure_is_rendered_as_plain_text(string html, string text)
    {
        Assert.Equal(text, HtmlText.ToPlainText(html));
    }

    [Fact]
    public void Scripts_styles_comments_and_the_head_are_dropped_with_their_content()
    {
        const string html = """
            <!DOCTYPE html><html><head><title>Title</title><style>body { color: red }</style>
            <script>document.write("<p>not text</p>")</script></head>
            <body><!-- a <b>comment</b> --><p>Visible</p><noscript>no</noscript><template><p>t</p></template>
            <script type="text/javascript">var s = "</p>";</script></body></html>
            """;
        Assert.Equal("Visible", HtmlText.ToPlainText(html));
    }

    [Fact]
    public void A_head_left_open_ends_where_the_body_starts()
    {
        Assert.Equal("Body text", HtmlText.ToPlainText("<html><head><meta charset=utf-8><body>Body text</body>"));
    }

    [Fact]
    public void Nested_lists_are_indented_and_continuation_lines_hang_under_the_marker()
    {
        const string html = "<ul><li>one<ul><li>inner a</li><li>inner b<br>continued</li></ul></li><li>two</li></ul><ol><li>first</li></ol>";
        Assert.Equal("- one\n  - inner a\n  - inner b\n    continued\n- two\n\n1. first", HtmlText.ToPlainText(html));
    }

    [Fact]
    public void Table_rows_are_lines_and_cells_are_apart_by_a_space()
    {
        const string html = "<p>Order</p><table><tr><th>Item</th><th>Qty</th></tr><tr><td>Tea</td><td>2</td></tr><tr><td>Cake</td><td>1</td></tr></table><p>Thanks</p>";
        Assert.Equal("Order\n\nItem Qty\nTea 2\nCake 1\n\nThanks", HtmlText.ToPlainText(html));
    }

    [Fact]
    public void Attribute_values_may_hold_a_greater_than_sign()
    {
        Assert.Equal("x <https://e.example/?a>b>", HtmlText.ToPlainText("<a title='1 > 0' href=\"https://e.example/?a>b\">x</a>"));
    }

    [Fact]
    public void Output_is_cut_at_the_maximum_length()
    {
        var html = string.Concat(Enumerable.Repeat("<p>paragraph of words</p>", 10_000));
        var text = HtmlText.ToPlainText(html, 101);
        Assert.Equal(101, text.Length);
        Assert.StartsWith("paragraph of words\n\nparagraph", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cut_never_ends_on_half_a_surrogate_pair()
    {
        var text = HtmlText.ToPlainText("a\U0001F600b", 2);
        Assert.Equal("a", text);
    }

    [Fact]
    public void Html_nested_fifty_thousand_deep_is_converted_quickly_without_deep_recursion()
    {
        const int depth = 50_000;
        var html = new StringBuilder();
        for (var i = 0; i < depth; i++) html.Append(i % 3 == 0 ? "<div>" : i % 3 == 1 ? "<blockquote>" : "<ul><li>");
        html.Append("deep");
        for (var i = depth - 1; i >= 0; i--) html.Append(i % 3 == 0 ? "</div>" : i % 3 == 1 ? "</blockquote>" : "</li></ul>");
        html.Append("after");
        var clock = Stopwatch.StartNew();
        // On a thread with a small stack: a converter that recursed per level would overflow it and end the process.
        string? text = null;
        var thread = new Thread(() => text = HtmlText.ToPlainText(html.ToString(), 1_000_000), 256 * 1024);
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the conversion did not finish");
        Assert.NotNull(text);
        Assert.Contains("deep", text, StringComparison.Ordinal);
        Assert.EndsWith("after", text, StringComparison.Ordinal);
        // Quote marks and indents stop growing at the tracked depth.
        Assert.All(text.Split('\n'), line => Assert.True(line.Length < 4 * HtmlText.MaxNesting + 10, $"a line of {line.Length} characters"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("<")]
    [InlineData("<a href=\"unclosed")]
    [InlineData("<!--")]
    [InlineData("<![CDATA[x")]
    [InlineData("</p></div></ul>")]
    [InlineData("<script>")]
    public void Broken_markup_never_throws(string? html)
    {
        var text = HtmlText.ToPlainText(html);
        Assert.DoesNotContain("<a", text, StringComparison.Ordinal);
    }
}
