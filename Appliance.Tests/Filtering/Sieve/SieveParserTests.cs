using Appliance.Filtering.Sieve;

namespace Appliance.Tests.Filtering.Sieve;

public sealed class SieveParserTests
{
    private static SieveSyntaxException Fails(string script, SieveOptions? options = null) =>
        Assert.Throws<SieveSyntaxException>(() => SieveScript.Compile(script, options));

    [Fact]
    public void Unknown_command_names_its_line()
    {
        var error = Fails("require \"fileinto\";\nif true {\n  filein \"x\";\n}\n");
        Assert.Equal(3, error.Line);
        Assert.Equal(3, error.Column);
        Assert.Equal("line 3: unknown command 'filein'", error.Message);
    }

    [Fact]
    public void Extension_used_without_require_is_an_error()
    {
        var error = Fails("keep;\nfileinto \"Junk\";");
        Assert.Equal(2, error.Line);
        Assert.Contains("require \"fileinto\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tag_of_an_extension_without_require_is_an_error()
    {
        Assert.Contains("\"copy\"", Fails("redirect :copy \"a@example.com\";").Message, StringComparison.Ordinal);
        Assert.Contains("\"relational\"", Fails("if header :count \"gt\" \"to\" \"2\" { keep; }").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_extension_is_an_error()
    {
        var error = Fails("require [\"fileinto\", \"frobnicate\"];");
        Assert.Equal(1, error.Line);
        Assert.Contains("unknown extension 'frobnicate'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_after_another_command_is_an_error() =>
        Assert.Equal(2, Fails("keep;\nrequire \"fileinto\";").Line);

    [Theory]
    [InlineData("keep\ndiscard;", 1, "missing ';'")]
    [InlineData("if header :is \"a\" \"b\" {\n keep;\n", 3, "expected '}'")]
    [InlineData("if true { keep; }\nelse { discard; }\nelse { keep; }", 3, "must follow")]
    [InlineData("if header :is :contains \"a\" \"b\" { keep; }", 1, "cannot be combined")]
    [InlineData("if header :is \"a\" { keep; }", 1, "takes 2 arguments")]
    [InlineData("if size 100 { keep; }", 1, "needs one of :over, :under")]
    [InlineData("keep :foo;", 1, "unknown tag ':foo'")]
    [InlineData("keep :flags \"\\\\Seen\";", 1, "\"imap4flags\"")]
    [InlineData("\n\nif header :comparator \"i;foo\" \"a\" \"b\" { keep; }", 3, "unknown comparator")]
    [InlineData("require \"fileinto\";\nfileinto [\"a\", \"b\"];", 2, "must be a string")]
    [InlineData("if keep { discard; }", 1, "is a command, not a test")]
    [InlineData("discard\n\"x\";", 2, "takes 0 arguments")]
    [InlineData("keep; \"unterminated", 1, "unterminated string")]
    [InlineData("/* open comment\nkeep;", 1, "unterminated comment")]
    [InlineData("require \"variables\";\nset \"1a\" \"x\";", 2, "invalid variable name")]
    [InlineData("if header :contains :comparator \"i;ascii-numeric\" \"a\" \"1\" { keep; }", 1, "comparator-i;ascii-numeric")]
    public void Syntax_errors_name_the_line(string script, int line, string text)
    {
        var error = Fails(script);
        Assert.Equal(line, error.Line);
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_line_strings_and_comments_parse()
    {
        var script = SieveScript.Compile("require \"reject\"; # why\nif true /* inline */ {\n reject text:\nline one\n..dot\n.\n;\n}\n");
        var reject = script.Commands[1].Block![0];
        Assert.Equal("line one\r\n.dot\r\n", reject.PositionalStrings(0)[0]);
    }

    [Fact]
    public void Numbers_take_quantifiers()
    {
        var script = SieveScript.Compile("if size :over 10K { discard; } if size :under 2M { keep; }");
        Assert.Equal(10 * 1024, script.Commands[0].Tests[0].TagNumber("over"));
        Assert.Equal(2 * 1024 * 1024, script.Commands[1].Tests[0].TagNumber("under"));
    }

    [Fact]
    public void Script_larger_than_the_limit_is_refused() =>
        Assert.Contains("larger than 100 bytes", Fails(new string('#', 101), new SieveOptions { MaxScriptSize = 100 }).Message, StringComparison.Ordinal);

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused()
    {
        var script = string.Concat(Enumerable.Repeat("if true { ", 10)) + "keep;" + new string('}', 10);
        Assert.Contains("nesting deeper than 5", Fails(script, new SieveOptions { MaxNesting = 5 }).Message, StringComparison.Ordinal);
        SieveScript.Compile(script, new SieveOptions { MaxNesting = 10 });
    }

    [Fact]
    public void Nested_tests_count_towards_the_nesting_limit()
    {
        var script = "if " + string.Concat(Enumerable.Repeat("not ", 40)) + "true { keep; }";
        Assert.Contains("nesting deeper", Fails(script, new SieveOptions { MaxNesting = 32 }).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_strings_and_lists_are_refused()
    {
        Assert.Contains("longer than 10 characters", Fails("reject \"" + new string('x', 11) + "\";", new SieveOptions { MaxStringLength = 10 }).Message, StringComparison.Ordinal);
        var list = "[" + string.Join(',', Enumerable.Range(0, 5).Select(i => $"\"{i}\"")) + "]";
        Assert.Contains("longer than 4 items", Fails($"if header :is {list} \"x\" {{ keep; }}", new SieveOptions { MaxListLength = 4 }).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_prefix_of_a_script_compiles_or_fails_with_a_syntax_error()
    {
        const string script = "require [\"fileinto\", \"variables\"];\nif header :matches \"subject\" \"[*]*\" { fileinto \"L/${1}\"; } else { keep; }\n";
        for (int n = 0; n <= script.Length; n++)
        {
            try
            {
                SieveScript.Compile(script[..n]);
            }
            catch (SieveSyntaxException e)
            {
                Assert.True(e.Line >= 1);
            }
        }
    }
}
