using System.Text;
using Appliance.Filtering.Bayes;
using Appliance.Mime;

namespace Appliance.Tests.Filtering.Bayes;

public sealed class BayesTokenizerTests
{
    private static IReadOnlyList<string> Tokens(string message, int max = 10_000) => BayesTokenizer.Tokenize(MimeMessage.Parse(Encoding.UTF8.GetBytes(message)), max);

    [Fact]
    public void Base64_body_is_decoded_before_its_words_are_taken()
    {
        var body = Convert.ToBase64String(Encoding.UTF8.GetBytes("Cheapest replica watches delivered overnight"));
        var tokens = Tokens($"Subject: hi\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n");
        Assert.Contains("cheapest", tokens);
        Assert.Contains("replica", tokens);
        Assert.Contains("overnight", tokens);
        Assert.DoesNotContain(tokens, t => t.Contains(body[..10].ToLowerInvariant(), StringComparison.Ordinal));
    }

    [Fact]
    public void Quoted_printable_soft_breaks_join_the_word_they_cut()
    {
        var tokens = Tokens("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPlease refi=\r\nnance your mortgage, caf=C3=A9 owner\r\n");
        Assert.Contains("refinance", tokens);
        Assert.Contains("mortgage", tokens);
        Assert.Contains("café", tokens);
        Assert.DoesNotContain("refi", tokens);
    }

    [Fact]
    public void Html_gives_its_text_and_link_hosts_not_its_markup()
    {
        var tokens = Tokens("""
            Content-Type: text/html; charset=utf-8

            <html><head><style>.promo { color: red }</style></head><body><div class="promo"><p>Claim your <b>bonus</b> at
            <a href="http://track.win-big.example/click?id=1">our casino</a></p></div></body></html>
            """.Replace("\n", "\r\n", StringComparison.Ordinal));
        Assert.Contains("claim", tokens);
        Assert.Contains("bonus", tokens);
        Assert.Contains("casino", tokens);
        Assert.Contains("UD:track.win-big.example", tokens);
        Assert.Contains("UD:win-big.example", tokens);
        Assert.DoesNotContain("promo", tokens);
        Assert.DoesNotContain("div", tokens);
        Assert.DoesNotContain("href", tokens);
    }

    [Fact]
    public void Header_tokens_carry_their_field_and_addresses_are_split_into_user_and_domains()
    {
        var tokens = Tokens("From: Prize Desk <winner@mail.lotto.example>\r\nSubject: =?utf-8?q?You_WON?=\r\nX-Mailer: MassMailer 7\r\n"
            + "Received: from mx1.spam.example ([203.0.113.7]) by mail.example.com; Thu, 3 Dec 2026 10:00:00 +0000\r\n"
            + "Content-Type: multipart/alternative; boundary=\"b1_abc123\"\r\n\r\n--b1_abc123\r\nContent-Type: text/plain\r\n\r\nhello there\r\n--b1_abc123--\r\n");
        Assert.Contains("H*F:prize", tokens);
        Assert.Contains("H*F:U*winner", tokens);
        Assert.Contains("H*F:D*mail.lotto.example", tokens);
        Assert.Contains("H*F:D*lotto.example", tokens);
        Assert.Contains("Hsubject:won", tokens);
        Assert.Contains("Hsubject:WON", tokens);
        Assert.Contains("H*x:massmailer", tokens);
        Assert.Contains("H*r:mx1.spam.example", tokens);
        Assert.Contains("H*r:ip*203.0.113.7", tokens);
        Assert.Contains("H*r:ip*203.0.113", tokens);
        Assert.Contains("H*c:multipart/alternative", tokens);
        Assert.Contains("H*c:boundary=a9_a9", tokens);
        Assert.Contains("hello", tokens);
        Assert.Contains("there", tokens);
    }

    [Fact]
    public void Long_words_are_skips_and_long_non_ascii_runs_are_pairs()
    {
        var tokens = Tokens("Subject: x\r\n\r\nsupercalifragilisticexpialidocious 限時優惠立即購買請點擊這裡吧今天最後一天\r\n");
        Assert.Contains("sk:superca", tokens);
        Assert.DoesNotContain("supercalifragilisticexpialidocious", tokens);
        Assert.Contains("8:限時", tokens);
        Assert.Contains("8:優惠", tokens);
    }

    [Fact]
    public void Short_and_stop_words_are_left_out_and_shouting_is_kept_as_written()
    {
        var tokens = Tokens("Subject: x\r\n\r\nan ox and the FREE money\r\n");
        Assert.DoesNotContain("an", tokens);
        Assert.DoesNotContain("ox", tokens);
        Assert.DoesNotContain("and", tokens);
        Assert.DoesNotContain("the", tokens);
        Assert.Contains("free", tokens);
        Assert.Contains("FREE", tokens);
        Assert.Contains("money", tokens);
    }

    [Fact]
    public void Attachments_are_not_read_for_words()
    {
        var tokens = Tokens("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nvisible words\r\n"
            + "--x\r\nContent-Type: text/plain; name=a.txt\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nhiddenword\r\n--x--\r\n");
        Assert.Contains("visible", tokens);
        Assert.DoesNotContain("hiddenword", tokens);
    }

    [Fact]
    public void Tokens_are_distinct_and_bounded_header_first()
    {
        var words = string.Join(' ', Enumerable.Range(0, 5000).Select(i => "word" + i));
        var tokens = Tokens("Subject: hello world\r\n\r\n" + words + " word1 word1\r\n", max: 100);
        Assert.Equal(100, tokens.Count);
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        Assert.Equal("Hsubject:hello", tokens[0]);
    }

    [Fact]
    public void Hash_is_stable_across_runs_and_machines()
    {
        // The first 8 bytes of SHA-256, big-endian: a stored token must mean the same word after any upgrade.
        var expected = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(System.Security.Cryptography.SHA256.HashData("viagra"u8));
        Assert.Equal(expected, BayesTokenizer.Hash("viagra"));
        Assert.NotEqual(BayesTokenizer.Hash("viagra"), BayesTokenizer.Hash("Viagra"));
    }

    [Fact]
    public void Any_bytes_give_tokens_without_throwing()
    {
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 2000)];
            random.NextBytes(bytes);
            Assert.True(BayesTokenizer.Tokenize(MimeMessage.Parse(bytes), 500).Count <= 500);
        }
    }
}
