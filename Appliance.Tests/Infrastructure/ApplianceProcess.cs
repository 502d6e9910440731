using System.Diagnostics;

namespace Appliance.Tests.Infrastructure;

/// <summary>Runs the built <c>Appliance</c> executable, as a script or a reseller's installer would.</summary>
public static class ApplianceProcess
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The app's own build output, in the same configuration as these tests.</summary>
    public static string Executable
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(RepositoryRoot, "Appliance", "bin", configuration, "net10.0", "linux-x64", "Appliance");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build the app first: {path} is missing.");
        }
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string? standardInput, params string[] args)
    {
        var start = new ProcessStartInfo(Executable)
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
        start.Environment["Appliance__Security__PasswordHashIterations"] = "1000";
        start.Environment["Appliance__Security__FailureDelayMilliseconds"] = "0";
        start.Environment["Appliance__Security__MaxFailureDelayMilliseconds"] = "0";
        using var process = Process.Start(start)!;
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Appliance {string.Join(' ', args)} did not finish in 60 s.");
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Sets up a data folder with the command line, as an administrator would: mail.example.com for example.com,
    /// admin@example.com, and the user bob@example.com (password <c>Str0ng-Passw0rd</c>).
    /// </summary>
    public static async Task SetUpWithBobAsync(string dataDirectory)
    {
        var (code, _, error) = await RunAsync("Corr3ct-Horse-Battery\n", "--data", dataDirectory, "setup",
            "--hostname", "mail.example.com", "--domain", "example.com", "--admin", "admin@example.com", "--password-stdin");
        Assert.True(code == 0, error);
        (code, _, error) = await RunAsync(null, "--data", dataDirectory, "user", "add", "bob@example.com", "--password", "Str0ng-Passw0rd");
        Assert.True(code == 0, error);
    }

    /// <summary>
    /// Waits until something accepts connections on the loopback <paramref name="port"/>, failing the test after
    /// <paramref name="seconds"/>, or at once if <paramref name="server"/> (the process meant to listen) has exited.
    /// </summary>
    /// <remarks>The default is generous: a server process that starts in 2 s alone took over 30 s beside parallel builds.</remarks>
    public static async Task WaitForPortAsync(int port, int seconds = 90, Process? server = null)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            Assert.False(server?.HasExited ?? false, "the server exited at start");
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Fail($"the server did not listen on {port} within {seconds} s");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "appliance.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("appliance.sln not found above the test output.");
    }
}
