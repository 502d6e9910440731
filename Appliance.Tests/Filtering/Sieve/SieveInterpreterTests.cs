using System.Diagnostics;
using Appliance.Filtering;
using Appliance.Filtering.Sieve;

namespace Appliance.Tests.Filtering.Sieve;

public sealed class SieveInterpreterTests
{
    private const string Mail = """
        X-Envelope-From: alice@example.org
        From: Alice <alice@example.org>
        To: bob@example.com, "Carol" <carol@example.net>
        Subject: Invoice 42 for March
        Message-ID: <m1@example.org>
        X-Spam-Score: 6

        Please pay the invoice.
        """;

    private static async Task<List<string>> Run(string script, string message = Mail, SieveOptions? options = null) =>
        SieveTestBed.Normalize(await SieveTestBed.RunAsync(script, message, options));

    [Fact]
    public async Task Empty_script_keeps() => Assert.Equal(["keep"], await Run(""));

    [Fact]
    public async Task Discard_cancels_the_implicit_keep() => Assert.Empty(await Run("discard;"));

    [Fact]
    public async Task Stop_ends_the_script_with_the_implicit_keep() => Assert.Equal(["keep"], await Run("stop; discard;"));

    [Theory]
    [InlineData("header :contains \"subject\" \"INVOICE\"", true)]
    [InlineData("header :is \"subject\" \"invoice 42 for march\"", true)]
    [InlineData("header :is :comparator \"i;octet\" \"subject\" \"invoice 42 for march\"", false)]
    [InlineData("header :matches \"subject\" \"Invoice ?? for *\"", true)]
    [InlineData("header :matches \"subject\" \"Invoice ? for *\"", false)]
    [InlineData("address :domain :is \"to\" \"EXAMPLE.NET\"", true)]
    [InlineData("address :localpart :is \"from\" \"alice\"", true)]
    [InlineData("address :all :contains \"from\" \"Alice <\"", false)]
    [InlineData("exists [\"from\", \"message-id\"]", true)]
    [InlineData("exists [\"from\", \"list-id\"]", false)]
    [InlineData("size :over 100", true)]
    [InlineData("size :under 100", false)]
    [InlineData("allof (true, not false)", true)]
    [InlineData("anyof (false, false)", false)]
    public async Task Core_tests(string test, bool expected) =>
        Assert.Equal(expected ? ["fileinto Yes"] : ["keep"], await Run($"require \"fileinto\"; if {test} {{ fileinto \"Yes\"; }}"));

    [Fact]
    public async Task Envelope_reads_the_smtp_envelope_not_the_header()
    {
        var context = SieveTestBed.Context(SieveTestBed.Message(Mail)) is var c
            ? new SieveContext(c.Message, new SieveEnvelope("bounces@lists.example", "bob@example.com", "bob")) { VacationTracker = c.VacationTracker }
            : null;
        var result = await SieveTestBed.RunAsync(
            "require [\"envelope\", \"fileinto\"]; if allof (envelope :domain \"from\" \"lists.example\", envelope \"auth\" \"bob\") { fileinto \"Env\"; }",
            Mail, context: context);
        Assert.Equal(["fileinto Env"], SieveTestBed.Normalize(result));
    }

    [Fact]
    public async Task Null_sender_matches_the_empty_string()
    {
        var message = SieveTestBed.Message(Mail);
        var context = new SieveContext(message, new SieveEnvelope("", "bob@example.com"));
        var result = await SieveTestBed.RunAsync("require [\"envelope\", \"fileinto\"]; if envelope :is \"from\" \"\" { fileinto \"Null\"; }", Mail, context: context);
        Assert.Equal(["fileinto Null"], SieveTestBed.Normalize(result));
    }

    [Fact]
    public async Task Fileinto_copy_keeps_the_implicit_keep() =>
        Assert.Equal(["fileinto A", "keep"], await Run("require [\"fileinto\", \"copy\"]; fileinto :copy \"A\";"));

    [Fact]
    public async Task Redirect_without_copy_cancels_keep_and_duplicates_merge() =>
        Assert.Equal(["redirect x@example.net"], await Run("redirect \"x@example.net\"; redirect \"X@example.net\";".Replace("X@", "x@", StringComparison.Ordinal)));

    [Fact]
    public async Task Reject_cancels_keep() => Assert.Equal(["reject no"], await Run("require \"reject\"; reject \"no\";"));

    [Fact]
    public async Task Ereject_is_an_extended_reject()
    {
        var result = await SieveTestBed.RunAsync("require \"ereject\"; ereject \"refused\";", Mail);
        var reject = Assert.IsType<SieveReject>(Assert.Single(result.Actions));
        Assert.True(reject.Extended);
    }

    [Theory]
    [InlineData("require [\"reject\", \"fileinto\"]; fileinto \"x\"; reject \"no\";", "cannot be combined with fileinto")]
    [InlineData("require \"reject\"; keep; reject \"no\";", "cannot be combined with keep")]
    [InlineData("require [\"reject\", \"copy\"]; redirect :copy \"a@example.net\"; reject \"no\";", "cannot be combined with redirect")]
    [InlineData("require [\"reject\", \"vacation\"]; vacation \"away\"; reject \"no\";", "cannot be combined with vacation")]
    public async Task Reject_with_a_delivering_action_is_an_error_that_keeps(string script, string error)
    {
        var result = await SieveTestBed.RunAsync(script, Mail);
        Assert.Contains(error, result.Error, StringComparison.Ordinal);
        Assert.Equal(["error", "keep"], SieveTestBed.Normalize(result));
        Assert.IsType<SieveKeep>(Assert.Single(result.Actions));
    }

    [Fact]
    public async Task Imap4flags_apply_to_the_following_actions()
    {
        var result = await Run("""
            require ["imap4flags", "fileinto"];
            fileinto "Before";
            addflag "\\Seen";
            fileinto "After";
            addflag ["$Work", "\\Flagged"];
            removeflag "\\Seen";
            fileinto :flags "\\Answered" "Given";
            keep;
            """);
        Assert.Equal(["fileinto After [\\seen]", "fileinto Before", "fileinto Given [\\answered]", "keep [$work \\flagged]"], result);
    }

    [Fact]
    public async Task Hasflag_and_flag_variables()
    {
        var result = await Run("""
            require ["imap4flags", "variables", "fileinto"];
            setflag "mine" "a b";
            addflag "mine" "c";
            if hasflag :is "mine" "b" { fileinto "HasB"; }
            if hasflag :is "b" { fileinto "Internal"; }
            """);
        Assert.Equal(["fileinto HasB"], result);
    }

    [Fact]
    public async Task Variables_with_modifiers_and_match_variables()
    {
        var result = await Run("""
            require ["variables", "fileinto"];
            set :upper "a" "loud";
            set :lowerfirst "b" "QUIET";
            set :length "n" "12345";
            set :quotewildcard "q" "a*b?";
            if header :matches "subject" "Invoice * for *" { set "num" "${1}"; set "month" "${2}"; }
            fileinto "${a}-${b}-${n}-${q}-${num}-${month}-${none}";
            """);
        Assert.Equal(["fileinto LOUD-qUIET-5-a\\*b\\?-42-March-"], result);
    }

    [Fact]
    public async Task Without_the_variables_extension_strings_are_literal() =>
        Assert.Equal(["fileinto ${x}"], await Run("require \"fileinto\"; fileinto \"${x}\";"));

    [Fact]
    public async Task Matches_fills_earlier_wildcards_shortest_as_pigeonhole_does()
    {
        var message = "From: a@b.example\r\nSubject: banana split\r\n\r\nx\r\n";
        Assert.Equal(["fileinto b|n|na split"], await Run("require [\"variables\", \"fileinto\"]; if header :matches \"subject\" \"*a*a*\" { fileinto \"${1}|${2}|${3}\"; }", message));
    }

    [Fact]
    public async Task Body_transforms()
    {
        var message = """
            From: a@example.org
            Subject: parts
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain

            plain words
            --b
            Content-Type: text/html

            <p>html <b>words</b></p>
            --b--
            """;
        Assert.Equal(["fileinto T"], await Run("require [\"body\", \"fileinto\"]; if body :text :contains \"html words\" { fileinto \"T\"; }", message));
        Assert.Equal(["fileinto C"], await Run("require [\"body\", \"fileinto\"]; if body :content \"text/html\" :contains \"<b>\" { fileinto \"C\"; }", message));
        Assert.Equal(["keep"], await Run("require [\"body\", \"fileinto\"]; if body :content \"text/plain\" :contains \"<b>\" { fileinto \"C\"; }", message));
        Assert.Equal(["fileinto R"], await Run("require [\"body\", \"fileinto\"]; if body :raw :contains \"Content-Type: text/html\" { fileinto \"R\"; }", message));
    }

    [Theory]
    [InlineData("header :count \"eq\" :comparator \"i;ascii-numeric\" \"to\" \"1\"", true)]
    [InlineData("address :count \"eq\" :comparator \"i;ascii-numeric\" \"to\" \"2\"", true)]
    [InlineData("header :value \"gt\" \"subject\" \"H\"", true)]
    [InlineData("header :value \"lt\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"10\"", true)]
    [InlineData("header :value \"lt\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"6\"", false)]
    [InlineData("header :value \"ne\" :comparator \"i;ascii-numeric\" \"subject\" \"abc\"", false)]
    public async Task Relational(string test, bool expected) =>
        Assert.Equal(expected ? ["fileinto Yes"] : ["keep"],
            await Run($"require [\"relational\", \"comparator-i;ascii-numeric\", \"fileinto\"]; if {test} {{ fileinto \"Yes\"; }}"));

    [Fact]
    public async Task Spamtest_and_virustest_read_the_callers_values()
    {
        var verdict = new Verdict();
        verdict.Add("BAYES_99", 3.5, "Bayes says spam", "bayes");
        verdict.Add("DNSBL_ZEN", 2.5, "listed", "dnsbl");
        var message = SieveTestBed.Message(Mail);
        var context = new SieveContext(message, new SieveEnvelope("alice@example.org", "bob@example.com"))
        {
            Spam = SieveSpamStatus.From(verdict, 10),
            Virus = SieveVirusStatus.Infected,
        };
        var script = SieveScript.Compile("""
            require ["spamtestplus", "virustest", "relational", "comparator-i;ascii-numeric", "fileinto"];
            if spamtest :value "eq" :comparator "i;ascii-numeric" "6" { fileinto "Six"; }
            if spamtest :percent :value "eq" :comparator "i;ascii-numeric" "60" { fileinto "Sixty"; }
            if virustest :value "eq" :comparator "i;ascii-numeric" "4" { fileinto "Virus"; }
            """);
        var result = await new SieveInterpreter().RunAsync(script, context);
        Assert.Equal(["fileinto Six", "fileinto Sixty", "fileinto Virus"], SieveTestBed.Normalize(result));
        Assert.Equal(0, SieveSpamStatus.NotTested.Value);
    }

    [Fact]
    public async Task Too_many_actions_is_an_error_that_keeps()
    {
        var script = "require \"fileinto\";\n" + string.Concat(Enumerable.Range(0, 5).Select(i => $"fileinto \"F{i}\";\n"));
        var result = await SieveTestBed.RunAsync(script, Mail, new SieveOptions { MaxActions = 3 });
        Assert.Equal(["error", "keep"], SieveTestBed.Normalize(result));
        Assert.Contains("line 5: more than 3 actions", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_redirects_is_an_error_that_keeps()
    {
        var result = await SieveTestBed.RunAsync("redirect \"a@example.net\"; redirect \"b@example.net\"; redirect \"c@example.net\";", Mail, new SieveOptions { MaxRedirects = 2 });
        Assert.Contains("more than 2 redirects", result.Error, StringComparison.Ordinal);
        Assert.IsType<SieveKeep>(Assert.Single(result.Actions));
    }

    [Fact]
    public async Task Invalid_redirect_address_is_an_error_that_keeps()
    {
        var result = await SieveTestBed.RunAsync("require \"variables\"; set \"a\" \"not an address\"; redirect \"${a}\";", Mail);
        Assert.Contains("invalid address", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wildcards_against_a_huge_header_stop_on_the_budget()
    {
        var header = new string('a', 60_000);
        var message = $"From: x@example.org\r\nSubject: {header}\r\n\r\nbody\r\n";
        var pattern = "*" + new string('a', 5000) + "b";
        var watch = Stopwatch.StartNew();
        var result = await SieveTestBed.RunAsync($"if header :matches \"subject\" \"{pattern}\" {{ discard; }}", message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.True(result.Failed);
        Assert.Contains("matching steps", result.Error, StringComparison.Ordinal);
        Assert.IsType<SieveKeep>(Assert.Single(result.Actions));
    }

    [Fact]
    public async Task Run_time_budget_stops_a_slow_script()
    {
        var header = new string('a', 60_000);
        var message = $"From: x@example.org\r\nSubject: {header}\r\n\r\nbody\r\n";
        var pattern = "*" + new string('a', 5000) + "b";
        var options = new SieveOptions { MaxMatchSteps = long.MaxValue, MaxRunTime = TimeSpan.FromMilliseconds(200) };
        var result = await SieveTestBed.RunAsync($"if header :matches \"subject\" \"{pattern}\" {{ discard; }}", message, options);
        Assert.Contains("ran longer than 200 ms", result.Error, StringComparison.Ordinal);
        Assert.IsType<SieveKeep>(Assert.Single(result.Actions));
    }
}
