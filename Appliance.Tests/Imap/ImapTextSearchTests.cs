using System.Text;
using Appliance.Accounts;
using Appliance.Imap;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>SEARCH TEXT and BODY through the FTS5 index agree with reading every message, on the whole MIME corpus.</summary>
public sealed class ImapTextSearchTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync();
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string CorpusDirectory => Path.Combine(AppContext.BaseDirectory, "TestData", "Mime");

    [Fact]
    public async Task Index_answers_equal_a_scan_of_every_message()
    {
        var files = Directory.GetFiles(CorpusDirectory, "*.eml").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 15, "the MIME corpus is missing");
        await using var wire = await ImapWire.ConnectAsync(_host.ImapPort);
        await wire.CommandAsync("t0", "STARTTLS");
        await wire.StartTlsAsync();
        await wire.CommandAsync("t1", $"LOGIN bob@example.com {Password}");
        var texts = new List<(string Headers, string Body)>();
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            texts.Add(TextIndex.Extract(MimeMessage.Parse(bytes)));
            // NUL octets need a literal8 (RFC 3516 §4.3).
            await wire.SendAsync($"a APPEND INBOX {(bytes.Contains((byte)0) ? "~" : "")}{{{bytes.Length}+}}\r\n");
            await wire.SendAsync([.. bytes, .. "\r\n"u8.ToArray()]);
            Assert.StartsWith("a OK", (await wire.UntilTaggedAsync("a"))[^1], StringComparison.Ordinal);
        }
        await wire.CommandAsync("s", "SELECT INBOX");

        string[] needles = ["the", "Subject", "attachment", "boundary", "CAFÉ", "café", "ünïcödé", "report", "FROM:", "quoted", "xyzzy-nowhere", "Zm9v", "ab", "é"];
        foreach (var needle in needles)
        {
            foreach (var key in new[] { "TEXT", "BODY" })
            {
                var expected = Enumerable.Range(0, texts.Count)
                    .Where(i => key == "BODY" ? Contains(texts[i].Body, needle) : Contains(texts[i].Headers, needle) || Contains(texts[i].Body, needle))
                    .Select(i => i + 1).ToList();
                var answer = await wire.CommandAsync("q", $"SEARCH CHARSET UTF-8 {key} {{{Encoding.UTF8.GetByteCount(needle)}+}}\r\n{needle}");
                Assert.Equal("q OK SEARCH completed", answer[^1]);
                var found = answer[0]["* SEARCH".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
                Assert.True(expected.SequenceEqual(found), $"{key} {needle}: expected [{string.Join(',', expected)}], got [{string.Join(',', found)}]");
            }
        }
    }

    private static bool Contains(string haystack, string needle) => haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);
}
