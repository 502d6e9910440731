using System.Diagnostics;

namespace Appliance.Tests.Infrastructure;

/// <summary>Runs a client someone else wrote (python3, swaks, curl) with a time limit.</summary>
public static class ExternalProgram
{
    /// <summary>Debian's interpreter: its modules are the ones INTEROP.md relies on; another python3 may be first on PATH.</summary>
    public const string Python = "/usr/bin/python3";

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, IEnumerable<string> args, string? input = null, int timeoutSeconds = 60)
    {
        if (!File.Exists(file) && !file.Contains('/', StringComparison.Ordinal) && Which(file) is null)
        {
            throw new InvalidOperationException($"{file} is not installed; Appliance.Tests/run.sh installs the test prerequisites.");
        }
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutSeconds} s; output so far: {await output}");
        }
        return (process.ExitCode, await output, await error);
    }

    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
