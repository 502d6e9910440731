using System.Text;
using System.Text.Json;
using Appliance.Dns;
using Appliance.Filtering.Dkim;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Dkim;

/// <summary>
/// A data folder with a key store, a loopback DNS server that publishes keys, the production resolver pointed
/// at it, and dkimpy (TestData/Dkim/oracle.py) given the same records through its dnsfunc.
/// </summary>
public sealed class DkimTestBed : IAsyncDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly Dictionary<string, string> _published = new(StringComparer.OrdinalIgnoreCase);

    public DkimTestBed(DkimOptions? options = null, TimeProvider? time = null, int dnsTimeoutMilliseconds = 1000)
    {
        Options = options ?? new DkimOptions();
        Time = time ?? TimeProvider.System;
        var dkim = Microsoft.Extensions.Options.Options.Create(Options);
        Dns = LoopbackDnsServer.Start();
        Keys = new DkimKeyStore(Microsoft.Extensions.Options.Options.Create(new StorageOptions { DataDirectory = _folder.Path }), dkim, Time);
        Signing = new DkimSigning(Keys, dkim, NullLogger<DkimSigning>.Instance);
        // No DNS cache: these tests see what the verifiers ask the resolver for (the cache keeps a key record for its TTL; DnsCacheTests).
        Resolver = new DnsResolver(Microsoft.Extensions.Options.Options.Create(new DnsOptions { Servers = [Dns.Address], TimeoutMilliseconds = dnsTimeoutMilliseconds, Attempts = 1, CacheMaxEntries = 0 }),
            NullLogger<DnsResolver>.Instance);
        Verification = new DkimVerification(Resolver, dkim, Time, NullLogger<DkimVerification>.Instance);
        Arc = new ArcVerification(Resolver, dkim, Time, NullLogger<ArcVerification>.Instance);
    }

    public DkimOptions Options { get; }
    public TimeProvider Time { get; }
    public LoopbackDnsServer Dns { get; }
    public DkimKeyStore Keys { get; }
    public DkimSigning Signing { get; }
    public DnsResolver Resolver { get; }
    public DkimVerification Verification { get; }
    public ArcVerification Arc { get; }
    public string Folder => _folder.Path;

    public const string Message =
        "From: Alice Example <alice@example.com>\r\n" +
        "To: Bob <bob@example.org>\r\n" +
        "Cc: carol@example.org\r\n" +
        "Subject: Quarterly figures\r\n" +
        "Date: Thu, 03 Dec 2026 17:00:00 +0000\r\n" +
        "Message-ID: <q4-figures@example.com>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        "Hello Bob,\r\n" +
        "\r\n" +
        "the figures   are attached.  \r\n" +
        "Alice\r\n";

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Publishes every key the store keeps for the domain, in the loopback DNS and for dkimpy.</summary>
    public void PublishKeys(string domain)
    {
        foreach (var key in Keys.Keys(domain))
        {
            Publish(key.RecordName, key.TxtRecord);
        }
    }

    /// <summary>A TXT record, split into 255-byte character-strings as a zone file would hold a long key.</summary>
    public void Publish(string name, string txt)
    {
        _published[name] = txt;
        var chunks = Enumerable.Range(0, (txt.Length + 254) / 255).Select(i => txt.Substring(i * 255, Math.Min(255, txt.Length - i * 255))).ToArray();
        Dns.Add(DnsResourceRecord.Create(name, TxtData.FromText(chunks)));
    }

    /// <summary>Runs TestData/Dkim/oracle.py; the files it reads and writes live in the bed's folder.</summary>
    public async Task<string> OracleAsync(params string[] args)
    {
        var keys = Path.Combine(Folder, "published.json");
        await File.WriteAllTextAsync(keys, JsonSerializer.Serialize(_published));
        var script = Path.Combine(AppContext.BaseDirectory, "TestData", "Dkim", "oracle.py");
        var (exit, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, [script, .. args.Select(a => a == "KEYS" ? keys : a)]);
        Assert.True(exit == 0, $"oracle.py {string.Join(' ', args)} exited {exit}: {error}");
        return output.Trim();
    }

    /// <summary>dkimpy's verdict on each DKIM-Signature of the message, topmost first.</summary>
    public async Task<bool[]> DkimpyVerifyAsync(byte[] message)
    {
        var path = Path.Combine(Folder, $"{Guid.NewGuid():N}.eml");
        await File.WriteAllBytesAsync(path, message);
        return JsonSerializer.Deserialize<bool[]>(await OracleAsync("verify", path, "KEYS"))!;
    }

    public string WriteFile(string name, byte[] content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Dns.DisposeAsync();
        Assert.Null(Dns.HandlerFailure);
        _folder.Dispose();
    }
}
