using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Smtp;

/// <summary>Nothing acknowledged is lost: SIGKILL the real process mid-load, restart, count.</summary>
public sealed partial class CrashTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Every_message_that_got_250_is_there_exactly_once_after_SIGKILL()
    {
        await ApplianceProcess.SetUpWithBobAsync(_data.Path);

        var port = FreePort.Get();
        using (var server = StartServer(port))
        {
            using var stop = KillOnExit(server);
            await ApplianceProcess.WaitForPortAsync(port, server: server);
            // 8 connections sending as fast as they can; the process is killed while they are at it.
            var client = StartClients(port, connections: 8, perConnection: 400);
            var acknowledged = new List<string>();
            var readAcks = Task.Run(async () =>
            {
                string? line;
                while ((line = await client.StandardOutput.ReadLineAsync()) is not null)
                {
                    lock (acknowledged) acknowledged.Add(line.Trim());
                }
            });
            var until = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < until)
            {
                lock (acknowledged) if (acknowledged.Count >= 150) break;
                await Task.Delay(20);
            }
            server.Kill(entireProcessTree: true); // SIGKILL: no shutdown code runs
            await server.WaitForExitAsync();
            using var clientTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await client.WaitForExitAsync(clientTimeout.Token);
            await readAcks;
            Assert.True(acknowledged.Count >= 150, $"only {acknowledged.Count} messages were acknowledged before the kill");
            Assert.True(acknowledged.Count < 8 * 400, "the kill came after every message was sent; the test proved nothing");

            // Restart on the same folder: it must come up and serve.
            var port2 = FreePort.Get();
            using (var again = StartServer(port2))
            {
                using var stopAgain = KillOnExit(again);
                await ApplianceProcess.WaitForPortAsync(port2, server: again);
                again.Kill(entireProcessTree: true);
                await again.WaitForExitAsync();
            }

            await using var services = await TestServices.CreateAsync(new Dictionary<string, string?> { ["Appliance:DataDirectory"] = _data.Path });
            var store = services.Get<MailStore>();
            var blobs = services.Get<BlobStore>();
            var found = new Dictionary<string, int>();
            foreach (var message in await store.MessagesAsync("bob@example.com"))
            {
                await using var stream = blobs.OpenRead(message.BlobHash);
                Assert.NotNull(stream);
                var bytes = new MemoryStream();
                await stream.CopyToAsync(bytes);
                // The bytes are whole: named by their hash.
                Assert.Equal(message.BlobHash, Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
                var id = MessageIdPattern().Match(Encoding.UTF8.GetString(bytes.ToArray())).Groups[1].Value;
                found[id] = found.GetValueOrDefault(id) + 1;
            }
            foreach (var id in acknowledged)
            {
                Assert.True(found.TryGetValue(id, out var count), $"{id} got 250 but is missing after the crash");
                Assert.Equal(1, count);
            }
            Assert.All(found, kv => Assert.Equal(1, kv.Value));
        }
    }

    /// <summary>Kills the server when the test leaves, passed or failed: disposing a Process does not stop it.</summary>
    private static Disposer KillOnExit(Process server) => new(() =>
    {
        if (!server.HasExited)
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit(10_000);
        }
    });

    private sealed class Disposer(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private Process StartServer(int smtpPort)
    {
        var start = new ProcessStartInfo(ApplianceProcess.Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Only SMTP and HTTP, on free ports: a listener left on its fixed default (IMAP 2143, POP3 2110…) made this
        // server fail to start whenever another process held that port (a server orphaned by an earlier failed run).
        foreach (var arg in new[] { "--data", _data.Path, "serve", $"--Appliance:Listeners:Smtp={smtpPort}", $"--Appliance:Listeners:Http={FreePort.Get()}",
                     "--Appliance:Listeners:Https=0", "--Appliance:Listeners:Submission=0", "--Appliance:Listeners:Smtps=0",
                     "--Appliance:Listeners:Imap=0", "--Appliance:Listeners:Imaps=0", "--Appliance:Listeners:Pop3=0", "--Appliance:Listeners:Pop3s=0", "--Appliance:Listeners:ManageSieve=0",
                     "--Logging:LogLevel:Default=Warning" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static Process StartClients(int port, int connections, int perConnection)
    {
        var script = $$"""
            import smtplib, sys, threading
            lock = threading.Lock()
            def run(t):
                try:
                    s = smtplib.SMTP('127.0.0.1', {{port}}, timeout=10)
                    for i in range({{perConnection}}):
                        mid = f'<crash-{t}-{i}@test.example>'
                        msg = f'Message-ID: {mid}\r\nSubject: crash {t} {i}\r\n\r\n'.encode() + b'x' * 2000 + b'\r\n'
                        s.sendmail('alice@elsewhere.example', ['bob@example.com'], msg)
                        with lock:
                            print(mid, flush=True)
                except Exception:
                    pass
            threads = [threading.Thread(target=run, args=(t,)) for t in range({{connections}})]
            for th in threads: th.start()
            for th in threads: th.join()
            """;
        var start = new ProcessStartInfo(ExternalProgram.Python) { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        return Process.Start(start)!;
    }

    [GeneratedRegex(@"Message-ID: (<[^>]+>)")]
    private static partial Regex MessageIdPattern();
}
