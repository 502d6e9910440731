using System.Net;
using System.Net.Sockets;
using Appliance.Cli;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Cli;

/// <summary>The server utilities, driven in process with the words a script would type.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public CommandLineTests()
    {
        Environment.SetEnvironmentVariable("Appliance__Security__PasswordHashIterations", "1000");
        Environment.SetEnvironmentVariable("Appliance__Security__FailureDelayMilliseconds", "0");
        Environment.SetEnvironmentVariable("Appliance__Security__MaxFailureDelayMilliseconds", "0");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    /// <summary>The <c>serve</c> entry the command line is handed: the real host unless a test records instead.</summary>
    private CommandLine.Serve _serve = Program.RunAsync;

    /// <summary>What a recording <c>serve</c> was handed, if it was called.</summary>
    private (string[] HostArgs, string? Data)? _served;

    private Task<int> RecordServe(string[] hostArgs, string? data, TextWriter error)
    {
        _served = (hostArgs, data);
        return Task.FromResult(42);
    }

    private async Task<(int Code, string Out, string Err)> Run(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.RunAsync(["--data", _data.Path, .. args], new StringReader(stdin), output, error, _serve);
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Out, string Err)> Run(params string[] args) => Run("", args);

    private async Task<string> Ok(params string[] args)
    {
        var (code, output, error) = await Run(args);
        Assert.True(code == 0, $"'{string.Join(' ', args)}' exited {code}: {error}");
        Assert.Equal("", error);
        return output;
    }

    private async Task<string> Refused(int expectedCode, params string[] args)
    {
        var (code, output, error) = await Run(args);
        Assert.Equal(expectedCode, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        return error;
    }

    private Task SetUp() => Ok("setup", "--hostname", "mail.example.com", "--domain", "example.com", "--admin", "admin@example.com", "--admin-password", "Corr3ct-Horse-Battery");

    [Fact]
    public async Task Setup_then_a_second_setup_fails_with_a_clear_message()
    {
        Assert.Contains("set up mail.example.com", await Ok("setup", "--hostname", "mail.example.com", "--domain", "example.com", "--admin", "admin@example.com", "--admin-password", "Corr3ct-Horse-Battery"), StringComparison.Ordinal);
        var error = await Refused(1, "setup", "--hostname", "mail.example.com", "--domain", "example.com", "--admin", "admin@example.com", "--admin-password", "Corr3ct-Horse-Battery");
        Assert.Contains("already set up", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Setup_reads_the_password_from_stdin()
    {
        var (code, _, error) = await Run("Corr3ct-Horse-Battery\n", "setup", "--hostname", "mail.example.com", "--domain", "example.com", "--admin", "admin@example.com", "--password-stdin");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("admin@example.com\t\tunlimited\tadmin", await Ok("user", "list"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Domains_are_added_listed_and_removed()
    {
        await SetUp();
        Assert.Equal("added domain example.org\n", await Ok("domain", "add", "Example.ORG"));
        var list = await Ok("domain", "list");
        Assert.Contains("example.com\tusers=1\taliases=0\tgroups=0", list, StringComparison.Ordinal);
        Assert.Contains("example.org\tusers=0", list, StringComparison.Ordinal);
        Assert.Contains("MX\t10 mail.example.com.", await Ok("domain", "dns", "example.org"), StringComparison.Ordinal);
        await Ok("domain", "remove", "example.org");
        Assert.DoesNotContain("example.org", await Ok("domain", "list"), StringComparison.Ordinal);

        Assert.Contains("already exists", await Refused(1, "domain", "add", "example.com"), StringComparison.Ordinal);
        Assert.Contains("not a valid domain", await Refused(1, "domain", "add", "not_a_domain"), StringComparison.Ordinal);
        Assert.Contains("still has 1 users", await Refused(1, "domain", "remove", "example.com"), StringComparison.Ordinal);
        Assert.Contains("not hosted here", await Refused(1, "domain", "remove", "example.net"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_are_added_listed_changed_disabled_and_removed()
    {
        await SetUp();
        await Ok("user", "add", "bob@example.com", "--password", "Str0ng-Passw0rd", "--name", "Bob Builder", "--quota", "2G");
        var (code, _, error) = await Run("An0ther-Passw0rd\n", "user", "add", "carol@example.com", "--password-stdin", "--admin");
        Assert.Equal(0, code);
        Assert.Equal("", error);

        var list = await Ok("user", "list");
        Assert.Contains("bob@example.com\tBob Builder\t2 GiB\t\n", list, StringComparison.Ordinal);
        Assert.Contains("carol@example.com\t\tunlimited\tadmin\n", list, StringComparison.Ordinal);

        await Ok("user", "passwd", "bob@example.com", "--password", "N3w-Passw0rd!");
        await Ok("user", "disable", "bob@example.com");
        Assert.Contains("bob@example.com\tBob Builder\t2 GiB\tdisabled", await Ok("user", "list"), StringComparison.Ordinal);
        await Ok("user", "enable", "bob@example.com");
        await Ok("user", "remove", "bob@example.com");
        Assert.DoesNotContain("bob@", await Ok("user", "list"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("is not a valid mail address", "user", "add", "bob", "--password", "Str0ng-Passw0rd")]
    [InlineData("not hosted here", "user", "add", "bob@example.org", "--password", "Str0ng-Passw0rd")]
    [InlineData("already in use", "user", "add", "admin@example.com", "--password", "Str0ng-Passw0rd")]
    [InlineData("too weak", "user", "add", "bob@example.com", "--password", "password")]
    [InlineData("not a valid size", "user", "add", "bob@example.com", "--password", "Str0ng-Passw0rd", "--quota", "lots")]
    [InlineData("There is no user", "user", "passwd", "ghost@example.com", "--password", "Str0ng-Passw0rd")]
    [InlineData("last active administrator", "user", "remove", "admin@example.com")]
    [InlineData("last active administrator", "user", "disable", "admin@example.com")]
    public async Task Bad_user_input_is_refused_with_one_line_and_nothing_written(string message, params string[] args)
    {
        await SetUp();
        var before = await Ok("user", "list");
        var error = await Refused(1, args);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Equal(before, await Ok("user", "list"));
    }

    [Fact]
    public async Task Aliases_and_groups_work_as_written()
    {
        await SetUp();
        await Ok("user", "add", "bob@example.com", "--password", "Str0ng-Passw0rd");
        Assert.Equal("added alias sales@example.com -> admin@example.com, bob@example.com, partner@elsewhere.example\n",
            await Ok("alias", "add", "sales@example.com", "bob@example.com", "admin@example.com", "partner@elsewhere.example"));
        Assert.Equal("sales@example.com\tadmin@example.com,bob@example.com,partner@elsewhere.example\n", await Ok("alias", "list"));
        Assert.Contains("no user, alias or group", await Refused(1, "alias", "add", "x@example.com", "ghost@example.com"), StringComparison.Ordinal);
        Assert.Contains("alias sales@example.com points to it", await Refused(1, "user", "remove", "bob@example.com"), StringComparison.Ordinal);
        await Ok("alias", "remove", "sales@example.com");
        Assert.Equal("", await Ok("alias", "list"));

        await Ok("group", "add", "team@example.com", "--name", "The team");
        await Ok("group", "add-member", "team@example.com", "bob@example.com");
        await Ok("group", "add-member", "team@example.com", "admin@example.com");
        Assert.Equal("team@example.com\tThe team\tadmin@example.com,bob@example.com\n", await Ok("group", "list"));
        await Ok("group", "remove-member", "team@example.com", "bob@example.com");
        Assert.Equal("team@example.com\tThe team\tadmin@example.com\n", await Ok("group", "list"));
        Assert.Contains("not a member", await Refused(1, "group", "remove-member", "team@example.com", "bob@example.com"), StringComparison.Ordinal);
        await Ok("group", "remove", "team@example.com");
        Assert.Equal("", await Ok("group", "list"));
    }

    [Fact]
    public async Task Setup_without_domain_and_administrator_takes_the_wizards_proposals()
    {
        Assert.Equal("set up mail.example.org: domain example.org, administrator admin@example.org\n",
            await Ok("setup", "--hostname", "Mail.Example.org", "--admin-password", "Corr3ct-Horse-Battery"));
        Assert.Contains("admin@example.org", await Ok("user", "list"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Setup_refuses_a_host_name_that_proposes_no_domain_with_the_wizards_message()
    {
        var error = await Refused(1, "setup", "--hostname", "example.org", "--admin-password", "Corr3ct-Horse-Battery");
        Assert.Contains("is not a valid domain", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown command 'frobnicate'", "frobnicate")]
    [InlineData("unknown option --colour", "user", "list", "--colour", "red")]
    [InlineData("--password or --password-stdin is required", "user", "add", "bob@example.com")]
    [InlineData("--hostname is required", "setup", "--domain", "example.com")]
    [InlineData("at least one target", "alias", "add", "x@example.com")]
    [InlineData("unexpected 'extra'", "domain", "add", "example.org", "extra")]
    public async Task Usage_errors_exit_2_with_a_hint(string message, params string[] args)
    {
        await SetUp();
        var (code, output, error) = await Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_other_than_setup_wait_for_setup()
    {
        var error = await Refused(1, "domain", "add", "example.com");
        Assert.Contains("not set up yet", error, StringComparison.Ordinal);
        await SetUp();
        await Ok("domain", "add", "example.org");
    }

    [Fact]
    public async Task Unwritable_data_folder_is_one_line_not_a_stack_trace()
    {
        var locked = Path.Combine(_data.Path, "locked");
        Directory.CreateDirectory(locked);
        await File.WriteAllTextAsync(Path.Combine(locked, "appliance.db"), "this is not a database, it is a text file pretending");
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.RunAsync(["--data", locked, "user", "list"], new StringReader(""), output, error, _serve);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", error.ToString(), StringComparison.Ordinal);
        Assert.Single(error.ToString().TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData(new string[0], new string[0])]
    [InlineData(new[] { "serve", "--Appliance:Listeners:Http=5081" }, new[] { "--Appliance:Listeners:Http=5081" })]
    [InlineData(new[] { "--Appliance:Listeners:Http=5081" }, new[] { "--Appliance:Listeners:Http=5081" })]
    public async Task Serve_hands_the_host_arguments_and_data_folder_to_the_serve_entry(string[] args, string[] hostArgs)
    {
        _serve = RecordServe;
        var (code, _, _) = await Run(args);
        Assert.Equal(42, code);
        Assert.NotNull(_served);
        Assert.Equal(hostArgs, _served.Value.HostArgs);
        Assert.Equal(_data.Path, _served.Value.Data);
    }

    [Fact]
    public async Task A_command_does_not_start_the_server()
    {
        _serve = RecordServe;
        await Run("user", "list");
        Assert.Null(_served);
    }

    [Fact]
    public async Task Help_lists_every_command()
    {
        var help = await Ok("--help");
        foreach (var command in new[] { "serve", "setup", "domain add", "user add", "alias add", "group add", "add-member", "--password-stdin" })
        {
            Assert.Contains(command, help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Serve_with_a_bad_setting_names_it_and_exits()
    {
        var (code, _, error) = await Run("serve", "--Appliance:Listeners:Smtp=99999");
        Assert.Equal(2, code);
        Assert.Contains("Appliance:Listeners:Smtp", error, StringComparison.Ordinal);

        (code, _, error) = await Run("serve", "--Appliance:Listeners:Http=abc");
        Assert.Equal(2, code);
        Assert.Contains("Appliance:Listeners:Http", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_on_a_port_already_in_use_names_the_listener_and_exits()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var run = Run("serve", $"--Appliance:Listeners:Http={port}", "--Appliance:Listeners:Https=0");
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.Same(run, finished);
        var (code, _, error) = await run;
        Assert.Equal(3, code);
        Assert.Contains($"Appliance:Listeners:Http: port {port} on 127.0.0.1 is already in use", error, StringComparison.Ordinal);
    }
}
