using System.Text;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Mime;

/// <summary>The limits of <see cref="MimeParserOptions"/> and <see cref="MailstoreOptions"/> on the mail bombs of issue 9.</summary>
public sealed class MimeLimitsTests
{
    private static MimeMessage Parse(byte[] bytes, MimeParserOptions? options = null) => MimeMessage.Parse(bytes, options);

    [Fact]
    public void Parts_past_MaxParts_are_not_split_the_message_is_marked_and_it_still_writes_back_byte_for_byte()
    {
        var bytes = MailBombs.Named("many-parts").ToArray(1);
        var message = Parse(bytes);
        Assert.Equal(10_000, MimeParserOptions.Default.MaxParts);
        Assert.Equal(MimeParserOptions.Default.MaxParts, message.Entities.Count());
        Assert.True(message.IsTruncated);
        Assert.Equal(bytes, message.ToArray());
        // The BODYSTRUCTURE of the cut tree is bounded by the limit, not by the 100,000 parts sent.
        Assert.InRange(message.GetBodyStructure().ToImapString(extensions: true).Length, 100_000, 2_000_000);
    }

    [Fact]
    public void A_message_within_the_limits_is_not_marked()
    {
        var message = Parse(Encoding.ASCII.GetBytes("Subject: hi\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n"));
        Assert.Equal(3, message.Entities.Count());
        Assert.False(message.IsTruncated);
    }

    [Fact]
    public void Nesting_past_MaxDepth_marks_the_message()
    {
        var message = Parse(MailBombs.Named("nested-multiparts").ToArray(1));
        Assert.True(message.IsTruncated);
        Assert.Equal(MimeParserOptions.Default.MaxDepth + 1, message.Entities.Count());
        Assert.True(Parse(MailBombs.Named("nested-messages").ToArray(1)).IsTruncated);
    }

    [Fact]
    public void Header_fields_past_MaxHeaderFields_are_not_kept_and_the_body_starts_where_it_does()
    {
        var bytes = MailBombs.Named("many-fields").ToArray(1);
        var message = Parse(bytes);
        Assert.Equal(MimeParserOptions.Default.MaxHeaderFields, message.Headers.Count);
        Assert.True(message.IsTruncated);
        Assert.Equal("the body\r\n", Encoding.ASCII.GetString(message.Root.RawBody.Span));
        Assert.Equal(bytes, message.ToArray());
    }

    [Fact]
    public void A_field_past_MaxFieldBytes_is_read_by_its_start_and_its_raw_bytes_stay_whole()
    {
        var bytes = MailBombs.Named("huge-subject").ToArray(0.01);
        var message = Parse(bytes, new MimeParserOptions { MaxFieldBytes = 4096 });
        var subject = message.Headers["Subject"]!;
        Assert.True(subject.IsTruncated);
        Assert.True(message.IsTruncated);
        Assert.InRange(subject.Value.Length, 3000, 4096);
        Assert.StartsWith("bomb huge-subject été", message.Subject, StringComparison.Ordinal);
        Assert.True(subject.RawValue.Length > 300_000);
        Assert.Equal(bytes, message.ToArray());
    }

    [Fact]
    public void A_cut_inside_a_UTF8_character_backs_off_to_its_start()
    {
        var text = Encoding.UTF8.GetBytes("Subject: " + new string('a', 1022) + "é and more\r\n\r\n");
        var message = Parse(text, new MimeParserOptions { MaxFieldBytes = 1024 });
        Assert.Equal(new string('a', 1022), message.Subject);
    }

    [Fact]
    public void GetText_with_a_limit_decodes_the_start_of_a_long_quoted_printable_part()
    {
        var message = Parse(MailBombs.Named("huge-quoted-printable").ToArray(0.05));
        var text = message.Root.GetText(1000, out var truncated);
        Assert.True(truncated);
        Assert.StartsWith("Café crème brûlée", text, StringComparison.Ordinal);
        Assert.InRange(text.Length, 500, 1000);
        Assert.Equal("short\r\n", Parse("Subject: s\r\n\r\nshort\r\n"u8.ToArray()).Root.GetText(1000, out var cut));
        Assert.False(cut);
    }

    [Fact]
    public void The_text_index_takes_the_start_of_long_text_and_headers()
    {
        var limits = new MailstoreOptions { MaxIndexedBodyBytes = 8192, MaxIndexedHeaderChars = 2048 };
        var (_, body) = TextIndex.Extract(Parse(MailBombs.Named("huge-quoted-printable").ToArray(0.05)), limits);
        Assert.InRange(body.Length, 4000, 8192);
        var (headers, _) = TextIndex.Extract(Parse(MailBombs.Named("many-fields").ToArray(1)), limits);
        Assert.Equal(2048, headers.Length);
    }

    [Fact]
    public void A_summary_keeps_at_most_MaxSummaryFieldChars_of_subject_and_recipients()
    {
        var limits = new MailstoreOptions { MaxSummaryFieldChars = 500 };
        var summary = MessageSummaries.Summarize(Parse(MailBombs.Named("many-recipients").ToArray(1)), "hash", limits);
        Assert.InRange(summary.To.Length, 400, 503);
        Assert.EndsWith(", …", summary.To, StringComparison.Ordinal);
        summary = MessageSummaries.Summarize(Parse(MailBombs.Named("huge-subject").ToArray(0.01)), "hash", limits);
        Assert.InRange(summary.Subject.Length, 490, 500);
    }

    [Theory]
    [InlineData("Mime", "MaxDepth", "0")]
    [InlineData("Mime", "MaxParts", "5")]
    [InlineData("Mime", "MaxHeaderFields", "10")]
    [InlineData("Mime", "MaxFieldBytes", "100")]
    [InlineData("Mailstore", "MaxSummaryFieldChars", "10")]
    [InlineData("Mailstore", "MaxIndexedBodyBytes", "100")]
    [InlineData("Mailstore", "MaxIndexedHeaderChars", "100")]
    public void A_bad_limit_fails_at_start_with_its_name(string section, string setting, string value)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Appliance:{section}:{setting}"] = value }).Build());
        services.AddLogging();
        services.AddMail();
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => section == "Mime"
            ? provider.GetRequiredService<IOptions<MimeParserOptions>>().Value
            : (object)provider.GetRequiredService<IOptions<MailstoreOptions>>().Value);
        Assert.Contains($"Appliance:{section}:{setting}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_bind_from_their_sections()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Appliance:Mime:MaxParts"] = "500",
            ["Appliance:Mailstore:MaxIndexedBodyBytes"] = "65536",
        }).Build());
        services.AddLogging();
        services.AddMail();
        using var provider = services.BuildServiceProvider();
        Assert.Equal(500, provider.GetRequiredService<MimeParserOptions>().MaxParts);
        Assert.Equal(65536, provider.GetRequiredService<IOptions<MailstoreOptions>>().Value.MaxIndexedBodyBytes);
    }
}
