using System.Text;
using System.Text.Json;
using Appliance.Accounts;
using Appliance.Filtering.Dkim;
using Appliance.Mail;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering.Dkim;

/// <summary>
/// Mail a user sends to elsewhere leaves signed with its domain's keys, as the far end receives it, and dkimpy accepts the signatures;
/// mail of a domain with no keys leaves unsigned.
/// </summary>
public sealed class OutboundSigningTests : IAsyncLifetime
{
    private readonly LoopbackSmtpReceiver _receiver = new();
    private RunningHost _host = null!;
    private User _bob = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithSmtpAsync($"--Appliance:Delivery:Routes:elsewhere.example=127.0.0.1:{_receiver.Port}");
        _bob = await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob"));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task<byte[]> SubmitAndReadQueuedAsync(string body)
    {
        var message = Encoding.ASCII.GetBytes(
            "From: Bob <bob@example.com>\r\nTo: anna@elsewhere.example\r\nSubject: Quarterly figures\r\n" +
            "Date: Thu, 03 Dec 2026 10:14:58 +0000\r\nMessage-ID: <q1@example.com>\r\n\r\n" + body);
        var result = await _host.Get<Submission>().SubmitAsync(_bob, "bob@example.com", ["anna@elsewhere.example"], message, null, default);
        Assert.True(result.Accepted, string.Join("; ", result.Refused));
        // As the far end receives it, over SMTP from the queue.
        await Eventually.HoldsAsync(() => Task.FromResult(_receiver.Messages.Count > 0), "the message reaches the receiver");
        return Encoding.UTF8.GetBytes(_receiver.Messages[0].Data);
    }

    private async Task<bool[]> DkimpyAsync(byte[] message, IEnumerable<DkimKey> keys)
    {
        using var folder = new TempDirectory();
        var published = Path.Combine(folder.Path, "keys.json");
        await File.WriteAllTextAsync(published, JsonSerializer.Serialize(keys.ToDictionary(k => k.RecordName, k => k.TxtRecord)));
        var path = Path.Combine(folder.Path, "queued.eml");
        await File.WriteAllBytesAsync(path, message);
        var script = Path.Combine(AppContext.BaseDirectory, "TestData", "Dkim", "oracle.py");
        var (exit, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, [script, "verify", path, published]);
        Assert.True(exit == 0, $"oracle.py exited {exit}: {error}");
        return JsonSerializer.Deserialize<bool[]>(output.Trim())!;
    }

    [Fact]
    public async Task Mail_to_elsewhere_is_signed_with_the_domains_keys_and_dkimpy_verifies_them()
    {
        var keys = _host.Get<DkimKeyStore>().EnsureKeys("example.com");
        Assert.Equal(2, keys.Count);

        var queued = await SubmitAndReadQueuedAsync("The figures are attached.\r\n");

        var text = Encoding.ASCII.GetString(queued);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(text, "^DKIM-Signature:", System.Text.RegularExpressions.RegexOptions.Multiline).Count);
        Assert.Contains("d=example.com", text, StringComparison.Ordinal);
        Assert.Equal(new[] { true, true }, await DkimpyAsync(queued, keys));

        // A body changed on the way fails at the far end.
        var tampered = Encoding.ASCII.GetBytes(text.Replace("The figures are attached.", "The figures are attacked.", StringComparison.Ordinal));
        Assert.Equal(new[] { false, false }, await DkimpyAsync(tampered, keys));
    }

    [Fact]
    public async Task Mail_of_a_domain_without_keys_leaves_unsigned()
    {
        var queued = await SubmitAndReadQueuedAsync("No keys yet.\r\n");

        Assert.DoesNotContain("DKIM-Signature:", Encoding.ASCII.GetString(queued), StringComparison.Ordinal);
    }
}
