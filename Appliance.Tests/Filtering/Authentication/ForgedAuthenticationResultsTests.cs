using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Appliance.Filtering.Authentication;

namespace Appliance.Tests.Filtering.Authentication;

public sealed class ForgedAuthenticationResultsTests
{
    private static readonly ForgedAuthenticationResults Ours = new(["mx.appliance.example", "appliance.example"]);

    private const string Body = "Hello,\r\n\r\nAuthentication-Results: mx.appliance.example; spf=pass\r\n";

    private const string Message =
        "Received: from a.example by b.example; Thu, 03 Dec 2026 17:00:00 +0000\r\n" +
        "Authentication-Results: mx.appliance.example; spf=pass smtp.mailfrom=x@forged.example\r\n" +
        "authentication-results:\r\n" +
        "    (a comment first) MX.Appliance.Example;\r\n" +
        "\tdkim=pass header.d=forged.example\r\n" +
        "Authentication-Results: other.example; spf=fail smtp.mailfrom=x@forged.example\r\n" +
        "AUTHENTICATION-RESULTS : \"appliance.example\"; dmarc=pass\r\n" +
        "Authentication-Results: mx.appliance.example.evil; spf=pass\r\n" +
        "ARC-Authentication-Results: i=1; mx.appliance.example; spf=pass\r\n" +
        "From: a@forged.example\r\n" +
        "Subject: Authentication-Results: mx.appliance.example\r\n" +
        "\r\n" + Body;

    private const string Kept =
        "Received: from a.example by b.example; Thu, 03 Dec 2026 17:00:00 +0000\r\n" +
        "Authentication-Results: other.example; spf=fail smtp.mailfrom=x@forged.example\r\n" +
        "Authentication-Results: mx.appliance.example.evil; spf=pass\r\n" +
        "ARC-Authentication-Results: i=1; mx.appliance.example; spf=pass\r\n" +
        "From: a@forged.example\r\n" +
        "Subject: Authentication-Results: mx.appliance.example\r\n" +
        "\r\n";

    private static async Task<(string Kept, ForgedHeaderRemoval Removal, string Remainder)> FilterAsync(byte[] message, int chunk)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < message.Length; i += chunk)
            {
                await pipe.Writer.WriteAsync(message.AsMemory(i, Math.Min(chunk, message.Length - i)));
            }
            await pipe.Writer.CompleteAsync();
        });
        var output = new ArrayBufferWriter<byte>();
        var removal = await Ours.FilterAsync(pipe.Reader, output);
        var rest = new MemoryStream();
        await pipe.Reader.CopyToAsync(rest);
        await writer;
        return (Encoding.UTF8.GetString(output.WrittenSpan), removal, Encoding.UTF8.GetString(rest.ToArray()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(100_000)]
    public async Task Our_forged_fields_are_removed_and_the_body_is_left_in_the_reader(int chunk)
    {
        var (kept, removal, rest) = await FilterAsync(Encoding.UTF8.GetBytes(Message), chunk);
        Assert.Equal(Kept, kept);
        Assert.Equal(3, removal.Removed);
        Assert.True(removal.EndOfHeaders);
        Assert.Equal(Message.Length - Body.Length, removal.HeaderBytes);
        // The body is not touched: a line in it that looks like our field stays.
        Assert.Equal(Body, rest);
    }

    [Fact]
    public void The_in_memory_form_agrees()
    {
        var kept = Ours.Filter(Encoding.UTF8.GetBytes(Message), out var removal);
        Assert.Equal(Kept, Encoding.UTF8.GetString(kept));
        Assert.Equal(3, removal.Removed);
        Assert.Equal(Message.Length - Body.Length, removal.HeaderBytes);
    }

    [Fact]
    public async Task Bare_line_feeds_are_handled_like_CRLF()
    {
        var message = "X-A: 1\nAuthentication-Results: appliance.example;\n spf=pass\nX-B: 2\n\nbody\n";
        var (kept, removal, rest) = await FilterAsync(Encoding.UTF8.GetBytes(message), 3);
        Assert.Equal("X-A: 1\nX-B: 2\n\n", kept);
        Assert.Equal(1, removal.Removed);
        Assert.Equal("body\n", rest);
    }

    [Fact]
    public async Task A_message_without_a_body_ends_with_its_last_field()
    {
        var (kept, removal, rest) = await FilterAsync(Encoding.UTF8.GetBytes("X-A: 1\r\nAuthentication-Results: appliance.example; none"), 5);
        Assert.Equal("X-A: 1\r\n", kept);
        Assert.Equal(1, removal.Removed);
        Assert.False(removal.EndOfHeaders);
        Assert.Equal("", rest);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_field_too_long_to_hold_is_decided_on_its_start_and_streamed(bool forged)
    {
        var id = forged ? "mx.appliance.example" : "elsewhere.example";
        var huge = $"Authentication-Results: {id};\r\n" + string.Concat(Enumerable.Repeat("\tx-filler=pass (padding padding padding)\r\n", 5000));
        Assert.True(huge.Length > ForgedAuthenticationResults.MaxDecisionBytes);
        var message = "X-A: 1\r\n" + huge + "X-B: 2\r\n\r\nbody";
        var (kept, removal, rest) = await FilterAsync(Encoding.UTF8.GetBytes(message), 4096);
        Assert.Equal(forged ? "X-A: 1\r\nX-B: 2\r\n\r\n" : "X-A: 1\r\n" + huge + "X-B: 2\r\n\r\n", kept);
        Assert.Equal(forged ? 1 : 0, removal.Removed);
        Assert.Equal("body", rest);
        Assert.Equal(message.Length - 4, removal.HeaderBytes);
    }

    [Theory]
    [InlineData("Authentication-Results: mx.appliance.example; none", true)]
    [InlineData("Authentication-Results:mx.appliance.example;spf=pass", true)]
    [InlineData("Authentication-Results: (c (nested \\) ) c) appliance.example 1; spf=pass", true)]
    [InlineData("Authentication-Results: \"mx.appliance\\.example\"; spf=pass", true)]
    [InlineData("Authentication-Results: ; spf=pass", false)]
    [InlineData("Authentication-Results:", false)]
    [InlineData("Authentication-Results-Original: mx.appliance.example; spf=pass", false)]
    [InlineData("X-Authentication-Results: mx.appliance.example; spf=pass", false)]
    [InlineData("Authentication-Results mx.appliance.example; spf=pass", false)]
    public void Ours_means_our_name_as_the_authserv_id(string field, bool ours) =>
        Assert.Equal(ours, Ours.IsOurs(Encoding.ASCII.GetBytes(field + "\r\n")));
}
