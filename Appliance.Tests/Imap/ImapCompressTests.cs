using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// COMPRESS=DEFLATE (RFC 4978) against the running host, driven by a client over Python's zlib
/// (<c>TestData/imap_compress_client.py</c>): STARTTLS, LOGIN, COMPRESS, then APPEND, SELECT, FETCH and IDLE with a
/// delivery, all compressed inside TLS; and garbage after COMPRESS, which closes that connection and no other.
/// </summary>
public sealed class ImapCompressTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "TestData", "imap_compress_client.py");
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync();
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Python_zlib_client_logs_in_compresses_inside_tls_and_appends_fetches_and_idles()
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python,
            [Script, "session", "127.0.0.1", $"{_host.ImapPort}", $"{_host.SmtpPort}", "bob@example.com", Password, "starttls"]);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        Assert.Contains("PASS compress", output, StringComparison.Ordinal);
        Assert.Contains("PASS fetch", output, StringComparison.Ordinal);
        Assert.Contains("PASS idle", output, StringComparison.Ordinal);
        Assert.Contains("PASS logout", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Python_zlib_client_compresses_over_implicit_tls()
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python,
            [Script, "session", "127.0.0.1", $"{_host.ImapsPort}", $"{_host.SmtpPort}", "bob@example.com", Password, "tls"]);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        Assert.Contains("PASS idle", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_after_compress_closes_that_connection_and_the_server_keeps_serving()
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python,
            [Script, "garbage", "127.0.0.1", $"{_host.ImapPort}", "bob@example.com", Password, "starttls"]);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        Assert.Contains("PASS garbage: connection closed", output, StringComparison.Ordinal);
        Assert.Contains("PASS garbage: the server still serves", output, StringComparison.Ordinal);
    }
}
