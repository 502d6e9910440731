using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Cli;

/// <summary>The real executable, as a reseller's script runs it: exit codes, stdout and stderr.</summary>
public sealed class ApplianceProcessTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Scripted_session_with_the_real_binary()
    {
        var (code, output, error) = await ApplianceProcess.RunAsync("Corr3ct-Horse-Battery\n",
            "--data", _data.Path, "setup", "--hostname", "mail.example.com", "--domain", "example.com", "--admin", "admin@example.com", "--password-stdin");
        Assert.True(code == 0, error);
        Assert.Contains("set up mail.example.com", output, StringComparison.Ordinal);

        (code, _, error) = await ApplianceProcess.RunAsync(null, "--data", _data.Path, "user", "add", "bob@example.com", "--password", "Str0ng-Passw0rd", "--quota", "500M");
        Assert.True(code == 0, error);
        (code, output, _) = await ApplianceProcess.RunAsync(null, "--data", _data.Path, "user", "list");
        Assert.Equal(0, code);
        Assert.Contains("bob@example.com\t\t500 MiB", output, StringComparison.Ordinal);

        (code, output, error) = await ApplianceProcess.RunAsync(null, "--data", _data.Path, "setup", "--hostname", "x.example.com", "--domain", "example.com", "--admin", "admin@example.com", "--admin-password", "Corr3ct-Horse-Battery");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("error: This server is already set up; setup runs only once.\n", error);
    }
}
