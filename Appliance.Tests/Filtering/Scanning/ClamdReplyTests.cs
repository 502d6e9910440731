using System.Text;
using Appliance.Filtering.Scanning;

namespace Appliance.Tests.Filtering.Scanning;

/// <summary>clamd's answers to zINSTREAM as ClamAV 1.4.6 sent them here.</summary>
public sealed class ClamdReplyTests
{
    [Theory]
    [InlineData("stream: OK\0", VirusScanStatus.Clean, null)]
    [InlineData("stream: Eicar-Test-Signature.UNOFFICIAL FOUND\0", VirusScanStatus.Infected, "Eicar-Test-Signature.UNOFFICIAL")]
    [InlineData("stream: Win.Test.EICAR_HDB-1 FOUND\nstream: Other FOUND\n\0", VirusScanStatus.Infected, "Win.Test.EICAR_HDB-1")]
    [InlineData("stream: Heuristics.Limits.Exceeded.MaxRecursion FOUND\0", VirusScanStatus.Infected, "Heuristics.Limits.Exceeded.MaxRecursion")]
    [InlineData("INSTREAM size limit exceeded. ERROR\0", VirusScanStatus.Failed, null)]
    [InlineData("stream: Can't allocate memory ERROR\0", VirusScanStatus.Failed, null)]
    public void Replies_are_read(string text, VirusScanStatus expected, string? virus)
    {
        var status = ClamdReply.TryParse(Encoding.ASCII.GetBytes(text), endOfInput: false, out var reply, out var error);

        Assert.True(status == ScannerReplyStatus.Complete, error);
        Assert.Equal(expected, reply!.Status);
        Assert.Equal(virus, reply.VirusName);
    }

    [Fact]
    public void Only_the_size_error_is_too_large()
    {
        ClamdReply.TryParse("INSTREAM size limit exceeded. ERROR\0"u8, false, out var size, out _);
        ClamdReply.TryParse("stream: Can't allocate memory ERROR\0"u8, false, out var memory, out _);

        Assert.True(size!.IsSizeLimitExceeded);
        Assert.False(memory!.IsSizeLimitExceeded);
    }

    [Fact]
    public void Every_prefix_needs_more_and_the_end_of_input_without_nul_is_malformed()
    {
        var bytes = "stream: Eicar-Test-Signature.UNOFFICIAL FOUND\0"u8.ToArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(ScannerReplyStatus.Incomplete, ClamdReply.TryParse(bytes.AsSpan(0, length), endOfInput: false, out _, out _));
            Assert.Equal(ScannerReplyStatus.Malformed, ClamdReply.TryParse(bytes.AsSpan(0, length), endOfInput: true, out _, out var error));
            Assert.False(string.IsNullOrEmpty(error));
        }
    }

    [Theory]
    [InlineData("UNKNOWN COMMAND\0")]
    [InlineData("stream: \0")]
    [InlineData("stream:  FOUND\0")]
    [InlineData("HTTP/1.1 400 Bad Request\r\n\r\n\0")]
    public void Anything_else_is_malformed(string text)
    {
        Assert.Equal(ScannerReplyStatus.Malformed, ClamdReply.TryParse(Encoding.ASCII.GetBytes(text), endOfInput: false, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
