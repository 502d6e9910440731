using Appliance.Filtering.Sieve;
using MimeKit;

namespace Appliance.Tests.Filtering.Sieve;

public sealed class VacationTests
{
    private const string Script = "require \"vacation\";\nvacation :days 2 :subject \"Away\" :addresses [\"b.smith@example.com\"] \"I am away.\";";

    private static string Mail(string extraHeaders = "", string to = "bob@example.com") => $"""
        From: Alice <alice@example.org>
        To: {to}
        Subject: Question
        Message-ID: <q1@example.org>
        References: <q0@example.org>
        {extraHeaders}
        body
        """.Replace("\n\n\n", "\n\n", StringComparison.Ordinal);

    private static async Task<SieveResult> Run(string message, string sender = "alice@example.org", IVacationTracker? tracker = null, string script = Script)
    {
        var context = new SieveContext(SieveTestBed.Message(message), new SieveEnvelope(sender, "bob@example.com"))
        {
            VacationTracker = tracker ?? new InMemoryVacationTracker(),
            UserAddresses = ["robert@example.com"],
        };
        return await new SieveInterpreter().RunAsync(SieveScript.Compile(script), context);
    }

    [Fact]
    public async Task Reply_carries_rfc_3834_headers()
    {
        var result = await Run(Mail());
        var reply = Assert.Single(result.Actions.OfType<SieveVacationReply>());
        Assert.Equal("alice@example.org", reply.Recipient);
        var message = reply.Reply;
        Assert.Equal("Away", message.Subject);
        Assert.Equal("auto-replied (vacation)", message.Headers[HeaderId.AutoSubmitted]);
        Assert.Equal("q1@example.org", message.InReplyTo);
        Assert.Equal(["q0@example.org", "q1@example.org"], message.References);
        Assert.Equal("bob@example.com", message.From.Mailboxes.Single().Address);
        Assert.Equal("alice@example.org", message.To.Mailboxes.Single().Address);
        Assert.Equal("I am away.", Assert.IsType<TextPart>(message.Body).Text);
        Assert.Contains(result.Actions, a => a is SieveKeep { Implicit: true });
    }

    [Fact]
    public async Task Once_per_sender_per_interval()
    {
        var time = new ManualTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var tracker = new InMemoryVacationTracker(time);
        Assert.Single((await Run(Mail(), tracker: tracker)).Actions.OfType<SieveVacationReply>());
        var second = await Run(Mail(), tracker: tracker);
        Assert.Empty(second.Actions.OfType<SieveVacationReply>());
        Assert.Contains(second.Notes, n => n.Contains("answered within the last 2 days", StringComparison.Ordinal));
        Assert.Single((await Run(Mail(), sender: "other@example.org", tracker: tracker)).Actions.OfType<SieveVacationReply>());
        time.Advance(TimeSpan.FromDays(2));
        Assert.Single((await Run(Mail(), tracker: tracker)).Actions.OfType<SieveVacationReply>());
    }

    [Fact]
    public async Task A_different_handle_answers_again()
    {
        var tracker = new InMemoryVacationTracker();
        Assert.Single((await Run(Mail(), tracker: tracker)).Actions.OfType<SieveVacationReply>());
        var other = "require \"vacation\";\nvacation :handle \"second\" \"Still away.\";";
        Assert.Single((await Run(Mail(), tracker: tracker, script: other)).Actions.OfType<SieveVacationReply>());
    }

    [Theory]
    [InlineData("List-Id: <dev.lists.example.org>\n", "alice@example.org", "mailing list")]
    [InlineData("List-Unsubscribe: <mailto:leave@lists.example.org>\n", "alice@example.org", "mailing list")]
    [InlineData("Precedence: bulk\n", "alice@example.org", "bulk")]
    [InlineData("Precedence: junk\n", "alice@example.org", "bulk")]
    [InlineData("Auto-Submitted: auto-replied\n", "alice@example.org", "automatically")]
    [InlineData("", "", "null sender")]
    [InlineData("", "MAILER-DAEMON@example.org", "mail program")]
    [InlineData("", "owner-dev@lists.example.org", "mail program")]
    [InlineData("", "dev-request@lists.example.org", "mail program")]
    [InlineData("", "robert@example.com", "own address")]
    [InlineData("", "bob@example.com", "own address")]
    public async Task No_reply_to_lists_bulk_automatic_or_own_mail(string headers, string sender, string reason)
    {
        var result = await Run(Mail(headers), sender);
        Assert.Empty(result.Actions.OfType<SieveVacationReply>());
        Assert.Contains(result.Notes, n => n.Contains(reason, StringComparison.Ordinal));
        Assert.Contains(result.Actions, a => a is SieveKeep);
    }

    [Fact]
    public async Task Auto_submitted_no_is_answered() =>
        Assert.Single((await Run(Mail("Auto-Submitted: no\n"))).Actions.OfType<SieveVacationReply>());

    [Fact]
    public async Task Only_mail_addressed_to_the_user_is_answered()
    {
        var result = await Run(Mail(to: "someone@example.net"));
        Assert.Empty(result.Actions.OfType<SieveVacationReply>());
        Assert.Contains(result.Notes, n => n.Contains("not in To, Cc or Bcc", StringComparison.Ordinal));
        Assert.Single((await Run(Mail(to: "B.Smith@example.com"))).Actions.OfType<SieveVacationReply>());
    }

    [Fact]
    public async Task Default_subject_and_mime_reason()
    {
        var script = "require \"vacation\";\nvacation :mime :from \"Bob <bob@example.com>\" text:\nContent-Type: text/html\n\n<p>away</p>\n.\n;";
        var reply = Assert.Single((await Run(Mail(), script: script)).Actions.OfType<SieveVacationReply>()).Reply;
        Assert.Equal("Auto: Question", reply.Subject);
        Assert.True(Assert.IsType<TextPart>(reply.Body).IsHtml);
        Assert.Equal("Bob", reply.From.Mailboxes.Single().Name);
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
