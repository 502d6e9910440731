using System.Diagnostics;
using System.Text.Json;

namespace WebmailBench;

/// <summary>The IMAP side: bench/webmail_imap.py (Python's imaplib) against a server, its samples read back as JSON.</summary>
public static class ImapBench
{
    public static async Task<IReadOnlyList<Timing>> RunAsync(string script, string server, int port, string user, string password)
    {
        var output = Path.GetTempFileName();
        try
        {
            var seconds = await RunProcessAsync("/usr/bin/python3",
                [script, "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), user, password, MailGenerator.RareWord,
                 MailGenerator.RareCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 Measure.Warmups.ToString(System.Globalization.CultureInfo.InvariantCulture), Measure.Repetitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 ((int)Measure.Budget.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), output],
                TimeSpan.FromMinutes(30));
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            var timings = new List<Timing>();
            foreach (var operation in document.RootElement.EnumerateObject())
            {
                var samples = operation.Value.GetProperty("samples").EnumerateArray().Select(e => e.GetDouble()).ToList();
                var note = operation.Value.GetProperty("note").GetString() ?? "";
                var timing = new Timing($"IMAP {server}: {operation.Name}", samples, note);
                Console.WriteLine("  " + timing);
                timings.Add(timing);
            }
            return timings;
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>Runs a program to its end (killed after <paramref name="timeout"/>); returns the seconds it took.</summary>
    public static async Task<double> RunProcessAsync(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in {timeout.TotalMinutes:0} minutes");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}");
        }
        return clock.Elapsed.TotalSeconds;
    }
}
