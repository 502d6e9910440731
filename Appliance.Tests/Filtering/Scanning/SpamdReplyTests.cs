using System.Text;
using Appliance.Filtering.Scanning;

namespace Appliance.Tests.Filtering.Scanning;

/// <summary>spamd's replies as SpamAssassin 4.0.1 sent them here, and what the parser makes of each prefix.</summary>
public sealed class SpamdReplyTests
{
    private const string Symbols = "SPAMD/1.1 0 EX_OK\r\nContent-length: 68\r\nSpam: True ; 1003.3 / 5.0\r\n\r\nGTUBE,MISSING_DATE,MISSING_MID,NO_RECEIVED,NO_RELAYS,TVD_SPACE_RATIO";

    private const string Report =
        " pts rule name              description\n" +
        "---- ---------------------- --------------------------------------------------\n" +
        " 2.7 MISSING_DATE           Missing Date: header\n" +
        "-0.0 NO_RECEIVED            Informational: message has no Received headers\n" +
        " 0.6 MISSING_MID            Missing Message-Id: header\n" +
        "1000 GTUBE                  BODY: Generic Test for Unsolicited Bulk Email\n" +
        "-0.0 NO_RELAYS              Informational: message was not relayed via SMTP\n" +
        " 0.0 TVD_SPACE_RATIO        No description available.\n" +
        "\n";

    private const string ReportPreamble =
        "Spam detection software, running on the system \"vm\",\nhas identified this incoming email as possible spam.\n\n" +
        "Content preview:  XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE\n   \n\n" +
        "Content analysis details:   (1003.3 points, 5.0 required)\n\n";

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void A_symbols_reply_gives_the_verdict_and_the_body()
    {
        var status = SpamdReply.TryParse(Bytes(Symbols), endOfInput: false, out var reply, out var error);

        Assert.Equal(ScannerReplyStatus.Complete, status);
        Assert.Null(error);
        Assert.Equal(new { Version = "1.1", Code = 0, Message = "EX_OK", IsSpam = (bool?)true, Score = 1003.3, Threshold = 5.0 },
            new { reply!.Version, reply.Code, reply.Message, reply.IsSpam, reply.Score, reply.Threshold });
        Assert.Equal(new[] { "GTUBE", "MISSING_DATE", "MISSING_MID", "NO_RECEIVED", "NO_RELAYS", "TVD_SPACE_RATIO" },
            SpamdReply.ParseSymbols(reply.Body).Select(s => s.Name));
    }

    [Fact]
    public void Every_prefix_of_a_reply_needs_more_and_the_whole_is_complete()
    {
        var bytes = Bytes(Symbols);
        for (var length = 0; length < bytes.Length; length++)
        {
            var status = SpamdReply.TryParse(bytes.AsSpan(0, length), endOfInput: false, out var reply, out var error);
            Assert.True(status == ScannerReplyStatus.Incomplete, $"prefix of {length} bytes: {status} {error}");
            Assert.Null(reply);
        }
        Assert.Equal(ScannerReplyStatus.Complete, SpamdReply.TryParse(bytes, endOfInput: false, out _, out _));
    }

    [Fact]
    public void A_reply_cut_short_by_the_end_of_the_connection_is_malformed()
    {
        var bytes = Bytes(Symbols);
        foreach (var length in new[] { 20, 40, bytes.Length - 1 })
        {
            var status = SpamdReply.TryParse(bytes.AsSpan(0, length), endOfInput: true, out _, out var error);
            Assert.Equal(ScannerReplyStatus.Malformed, status);
            Assert.Contains("closed the connection early", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_check_reply_has_no_body_and_ends_at_the_blank_line()
    {
        var status = SpamdReply.TryParse(Bytes("SPAMD/1.1 0 EX_OK\r\nSpam: False ; -0.1 / 5.0\r\n\r\n"), endOfInput: false, out var reply, out _);

        Assert.Equal(ScannerReplyStatus.Complete, status);
        Assert.Equal((bool?)false, reply!.IsSpam);
        Assert.Equal(-0.1, reply.Score);
        Assert.Empty(reply.Body);
    }

    [Fact]
    public void An_error_reply_is_its_status_line()
    {
        var status = SpamdReply.TryParse(Bytes("SPAMD/1.0 76 Bad header line: (Content-Length mismatch: Expected 1000 bytes, got 5 bytes)\r\n"),
            endOfInput: true, out var reply, out _);

        Assert.Equal(ScannerReplyStatus.Complete, status);
        Assert.Equal(76, reply!.Code);
        Assert.StartsWith("Bad header line", reply.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n")]
    [InlineData("SPAMD/x 0 EX_OK\r\n")]
    [InlineData("SPAMD/1.1 zero EX_OK\r\n")]
    [InlineData("SPAMD/1.1 0 EX_OK\r\nSpam: Maybe ; 1 / 5\r\n\r\n")]
    [InlineData("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 of 5\r\n\r\n")]
    [InlineData("SPAMD/1.1 0 EX_OK\r\nContent-length: many\r\nSpam: True ; 1 / 5\r\n\r\n")]
    [InlineData("SPAMD/1.1 0 EX_OK\r\nno colon here\r\n\r\n")]
    [InlineData("SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n\r\n")]
    public void Anything_else_is_malformed(string text)
    {
        Assert.Equal(ScannerReplyStatus.Malformed, SpamdReply.TryParse(Bytes(text), endOfInput: true, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void The_pong_status_line()
    {
        var status = SpamdReply.TryParseStatusLine("SPAMD/1.5 0 PONG\r\n"u8, out var version, out var code, out var message, out var consumed, out _);

        Assert.Equal((ScannerReplyStatus.Complete, "1.5", 0, "PONG", 18), (status, version, code, message, consumed));
    }

    [Fact]
    public void The_report_table_gives_each_rule_with_its_points_and_description()
    {
        var symbols = SpamdReport.Parse(Bytes(ReportPreamble + Report));

        Assert.Equal(
            [
                new SpamSymbol("MISSING_DATE", 2.7, "Missing Date: header"),
                new SpamSymbol("NO_RECEIVED", -0.0, "Informational: message has no Received headers"),
                new SpamSymbol("MISSING_MID", 0.6, "Missing Message-Id: header"),
                new SpamSymbol("GTUBE", 1000, "BODY: Generic Test for Unsolicited Bulk Email"),
                new SpamSymbol("NO_RELAYS", -0.0, "Informational: message was not relayed via SMTP"),
                new SpamSymbol("TVD_SPACE_RATIO", 0.0, "No description available."),
            ],
            symbols);
    }

    [Fact]
    public void A_long_description_continues_on_indented_lines_and_negative_points_are_kept()
    {
        var table =
            "---- ---------------------- --------------------------------------------------\n" +
            "-1.9 BAYES_00               BODY: Bayes spam probability is 0 to 1%\n" +
            "                            [score: 0.0000]\n" +
            " 3.5 A_VERY_LONG_RULE_NAME_THAT_OVERFLOWS Its description\n" +
            "  10 URIBL_BLACK            Contains an URL listed in the URIBL blacklist\n" +
            "                            [URIs: example.com]\n";

        var symbols = SpamdReport.Parse(Bytes(table));

        Assert.Equal(
            [
                new SpamSymbol("BAYES_00", -1.9, "BODY: Bayes spam probability is 0 to 1% [score: 0.0000]"),
                new SpamSymbol("A_VERY_LONG_RULE_NAME_THAT_OVERFLOWS", 3.5, "Its description"),
                new SpamSymbol("URIBL_BLACK", 10, "Contains an URL listed in the URIBL blacklist [URIs: example.com]"),
            ],
            symbols);
    }

    [Fact]
    public void A_report_without_a_table_has_no_symbols()
    {
        Assert.Empty(SpamdReport.Parse(Bytes(ReportPreamble)));
        Assert.Empty(SpamdReport.Parse([]));
    }

    [Fact]
    public void Symbols_are_split_on_commas_and_trimmed()
    {
        Assert.Equal(new[] { "A", "B_2" }, SpamdReply.ParseSymbols(" A, B_2 ,\r\n"u8).Select(s => s.Name));
        Assert.Empty(SpamdReply.ParseSymbols(""u8));
    }
}
