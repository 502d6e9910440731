using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// A daemon started for a test in the foreground, so the test holds its process and stops it by that process id
/// (and its children by theirs). Output is kept, bounded, for the failure message.
/// </summary>
public abstract class PrivateDaemon : IAsyncDisposable
{
    private const int MaxOutputChars = 64 * 1024;
    private readonly StringBuilder _output = new();
    private Process? _process;

    protected TempDirectory Directory { get; } = new();

    public string Root => Directory.Path;

    public bool IsRunning => _process is { HasExited: false };

    protected abstract string Name { get; }

    /// <summary>The daemon's own log file, for failure messages.</summary>
    protected abstract string LogPath { get; }

    /// <summary>
    /// Sends <paramref name="request"/> to the daemon on loopback <paramref name="port"/> and gives its first reply, or
    /// null when nothing answers within 5 s: readiness spoken by hand, not through the client under test.
    /// </summary>
    protected static async Task<string?> AskAsync(int port, ReadOnlyMemory<byte> request, int replyBytes)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(request, timeout.Token);
            var buffer = new byte[replyBytes];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    protected void Start(string binary, IEnumerable<string> args)
    {
        Assert.True(File.Exists(binary), $"{binary} is not installed; Appliance.Tests/run.sh installs the test prerequisites");
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Polls <paramref name="ready"/> until it holds, the daemon exits, or the deadline passes (then the test fails with the log).</summary>
    protected async Task WaitUntilReadyAsync(Func<Task<bool>> ready, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process is { HasExited: true })
            {
                var diagnostics = Diagnostics();
                var exitCode = _process.ExitCode;
                await DisposeAsync();
                Assert.Fail($"{Name} exited with {exitCode} before it was ready:\n{diagnostics}");
            }
            if (await ready())
            {
                return;
            }
            if (clock.Elapsed > deadline)
            {
                var diagnostics = Diagnostics();
                await DisposeAsync();
                Assert.Fail($"{Name} was not ready within {deadline.TotalSeconds} s:\n{diagnostics}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Kills the daemon and its children by process id and waits for it to be gone.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }
        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public string Diagnostics()
    {
        string log;
        try
        {
            log = File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log file)";
        }
        catch (IOException e)
        {
            log = "(log unreadable: " + e.Message + ")";
        }
        lock (_output)
        {
            return $"output:\n{_output}\nlog {LogPath}:\n{(log.Length > MaxOutputChars ? log[^MaxOutputChars..] : log)}";
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        Directory.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < MaxOutputChars)
            {
                _output.AppendLine(line);
            }
        }
    }
}
