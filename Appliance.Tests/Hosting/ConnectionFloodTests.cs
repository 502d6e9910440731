using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Hosting;

/// <summary>
/// A flood of connections past the process's descriptor limit, on every listener of the real binary. Before the
/// connection limits, 1,000 IMAP connections under <c>prlimit --nofile=512</c> printed "Out of memory." and
/// killed the process with every user's session.
/// </summary>
public sealed partial class ConnectionFloodTests : IDisposable
{
    private const int DescriptorLimit = 512;
    private const int FloodPerListener = 600; // more than the descriptor limit, on each listener in turn

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private sealed record Listener(string Name, int Port, bool Tls, bool Http, string Greeting, string Refusal);

    [Fact]
    public async Task A_flood_past_the_descriptor_limit_is_refused_in_each_protocol_and_loses_no_acknowledged_mail()
    {
        await ApplianceProcess.SetUpWithBobAsync(_data.Path);

        Listener[] listeners =
        [
            new("Smtp", FreePort.Get(), false, false, "220 mail.example.com ESMTP", "421 4.7.0 mail.example.com Too many connections"),
            new("Submission", FreePort.Get(), false, false, "220 mail.example.com ESMTP", "421 4.7.0 mail.example.com Too many connections"),
            new("Smtps", FreePort.Get(), true, false, "220 mail.example.com ESMTP", "421 4.7.0 mail.example.com Too many connections"),
            new("Imap", FreePort.Get(), false, false, "* OK [CAPABILITY", "* BYE [UNAVAILABLE] Too many connections"),
            new("Imaps", FreePort.Get(), true, false, "* OK [CAPABILITY", "* BYE [UNAVAILABLE] Too many connections"),
            new("Pop3", FreePort.Get(), false, false, "+OK mail.example.com POP3", "-ERR [SYS/TEMP] Too many connections"),
            new("Pop3s", FreePort.Get(), true, false, "+OK mail.example.com POP3", "-ERR [SYS/TEMP] Too many connections"),
            new("ManageSieve", FreePort.Get(), false, false, "\"IMPLEMENTATION\" \"Appliance\"", "BYE (TRYLATER) \"Too many connections"),
            new("Http", FreePort.Get(), false, true, "HTTP/1.1 302", "HTTP/1.1 503 Service Unavailable"),
            new("Https", FreePort.Get(), true, true, "HTTP/1.1 302", "HTTP/1.1 503 Service Unavailable"),
        ];
        using var server = StartServer(listeners);
        var acknowledged = new List<string>();
        try
        {
            foreach (var listener in listeners)
            {
                await ApplianceProcess.WaitForPortAsync(listener.Port, server: server);
            }
            var smtp = listeners[0].Port;

            // Mail keeps arriving over one SMTP connection opened before the flood, for as long as the flood lasts.
            var stop = Path.Combine(_data.Path, "stop-sending");
            using var sender = StartSender(smtp, stop);
            var readAcks = Task.Run(async () =>
            {
                while (await sender.StandardOutput.ReadLineAsync() is { } line)
                {
                    lock (acknowledged) acknowledged.Add(line.Trim());
                }
            });
            await WaitUntilAsync(() => { lock (acknowledged) return acknowledged.Count >= 5; }, "the sender got no 250 before the flood");
            int beforeFlood;
            lock (acknowledged) beforeFlood = acknowledged.Count;

            var results = await FloodAsync(listeners);
            foreach (var listener in listeners)
            {
                var seen = results[listener.Name];
                var served = seen.Where(kv => kv.Key.StartsWith(listener.Greeting, StringComparison.Ordinal)).Sum(kv => kv.Value);
                var refused = seen.Where(kv => kv.Key.StartsWith(listener.Refusal, StringComparison.Ordinal)).Sum(kv => kv.Value);
                var other = string.Join(", ", seen.Where(kv => !kv.Key.StartsWith(listener.Greeting, StringComparison.Ordinal)
                    && !kv.Key.StartsWith(listener.Refusal, StringComparison.Ordinal)).Select(kv => $"{kv.Key}: {kv.Value}"));
                Assert.True(other.Length == 0, $"{listener.Name}: connections neither served nor refused in the protocol: {other}");
                Assert.Equal(FloodPerListener, served + refused);
                Assert.True(refused > FloodPerListener / 2, $"{listener.Name}: only {refused} of {FloodPerListener} refused; the limit did not bite");
                Assert.True(served >= 1, $"{listener.Name}: nothing was served even before the limit");
                Assert.False(server.HasExited, $"the server died during the flood on {listener.Name}");
            }

            // Once the flood is gone, a new client is served on every listener.
            foreach (var listener in listeners)
            {
                await WaitUntilAsync(async () => (await GreetingAsync(listener)).StartsWith(listener.Greeting, StringComparison.Ordinal),
                    $"{listener.Name} did not serve a new client after the flood");
            }
            await WaitUntilAsync(() => { lock (acknowledged) return acknowledged.Count > beforeFlood; }, "no mail was accepted after the flood began");

            await File.WriteAllTextAsync(stop, "");
            using (var senderTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await sender.WaitForExitAsync(senderTimeout.Token);
            }
            await readAcks;
            Assert.False(server.HasExited, "the server died");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        // Every message that got its 250, before, during and after the flood, is in Bob's mailbox.
        await using var services = await TestServices.CreateAsync(new Dictionary<string, string?> { ["Appliance:DataDirectory"] = _data.Path });
        var store = services.Get<MailStore>();
        var blobs = services.Get<BlobStore>();
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in await store.MessagesAsync("bob@example.com"))
        {
            await using var stream = blobs.OpenRead(message.BlobHash);
            Assert.NotNull(stream);
            using var reader = new StreamReader(stream);
            found.Add(MessageIdPattern().Match(await reader.ReadToEndAsync()).Groups[1].Value);
        }
        List<string> acks;
        lock (acknowledged) acks = [.. acknowledged];
        Assert.NotEmpty(acks);
        Assert.All(acks, id => Assert.True(found.Contains(id), $"{id} got 250 but is not in the mailbox"));
    }

    private Process StartServer(IEnumerable<Listener> listeners)
    {
        // prlimit execs the server: the process is the appliance itself, under the low limit.
        var start = new ProcessStartInfo("prlimit")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add($"--nofile={DescriptorLimit}");
        start.ArgumentList.Add(ApplianceProcess.Executable);
        foreach (var arg in new[] { "--data", _data.Path, "serve", "--Logging:LogLevel:Default=Warning" })
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var listener in listeners)
        {
            start.ArgumentList.Add($"--Appliance:Listeners:{listener.Name}={listener.Port}");
        }
        start.Environment["Appliance__Security__PasswordHashIterations"] = "1000";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static Process StartSender(int port, string stopFile)
    {
        // Bounded: at most 3,000 messages or 90 s, whichever comes first.
        var script = $$"""
            import os, smtplib, time
            s = smtplib.SMTP('127.0.0.1', {{port}}, timeout=30)
            deadline = time.time() + 90
            for i in range(3000):
                if os.path.exists({{JsonSerializer.Serialize(stopFile)}}) or time.time() > deadline:
                    break
                mid = f'<flood-{i}@test.example>'
                msg = f'Message-ID: {mid}\r\nSubject: during the flood {i}\r\n\r\n'.encode() + b'x' * 1000 + b'\r\n'
                s.sendmail('alice@elsewhere.example', ['bob@example.com'], msg)
                print(mid, flush=True)
                time.sleep(0.02)
            s.quit()
            """;
        var start = new ProcessStartInfo(ExternalProgram.Python) { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        return Process.Start(start)!;
    }

    /// <summary>Opens <see cref="FloodPerListener"/> connections on each listener in turn and holds them; counts the first line of each.</summary>
    private static async Task<Dictionary<string, Dictionary<string, int>>> FloodAsync(IEnumerable<Listener> listeners)
    {
        var plan = JsonSerializer.Serialize(listeners.Select(l => new { name = l.Name, port = l.Port, tls = l.Tls, http = l.Http }));
        var script = $$"""
            import json, resource, socket, ssl, sys, time
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            results = {}
            for l in json.loads(sys.argv[1]):
                seen = {}; held = []
                deadline = time.time() + 60
                for i in range({{FloodPerListener}}):
                    key = 'deadline'
                    if time.time() < deadline:
                        try:
                            s = socket.create_connection(('127.0.0.1', l['port']), timeout=10)
                            if l['tls']: s = ctx.wrap_socket(s)
                            if l['http']: s.sendall(b'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')
                            s.settimeout(10)
                            data = b''
                            while b'\r\n' not in data:
                                chunk = s.recv(512)
                                if not chunk: break
                                data += chunk
                            key = data.split(b'\r\n')[0].decode('utf-8', 'replace') or 'closed without a word'
                            held.append(s)
                        except Exception as e:
                            key = 'error ' + type(e).__name__
                    seen[key] = seen.get(key, 0) + 1
                results[l['name']] = seen
                for s in held: s.close()
            print(json.dumps(results))
            """;
        var (exit, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", script, plan], timeoutSeconds: 600);
        Assert.True(exit == 0, error);
        return JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, int>>>(output)!;
    }

    private static async Task<string> GreetingAsync(Listener listener)
    {
        var script = """
            import socket, ssl, sys
            s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
            if sys.argv[2] == 'True':
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                s = ctx.wrap_socket(s)
            if sys.argv[3] == 'True': s.sendall(b'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')
            print(s.recv(512).split(b'\r\n')[0].decode())
            """;
        var (_, output, _) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", script, listener.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), listener.Tls.ToString(), listener.Http.ToString()]);
        return output.Trim();
    }

    private static Task WaitUntilAsync(Func<bool> condition, string failure) => WaitUntilAsync(() => Task.FromResult(condition()), failure);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail(failure + " within 30 s");
    }

    [GeneratedRegex(@"Message-ID: (<[^>]+>)")]
    private static partial Regex MessageIdPattern();
}
