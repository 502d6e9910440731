using System.Globalization;
using System.Resources;
using Appliance.Accounts;
using Appliance.Hosting;
using Appliance.Setup;
using Appliance.Storage;
using Microsoft.Extensions.Options;

namespace Appliance.Cli;

/// <summary>
/// <c>Appliance [--data DIR] COMMAND …</c>: the server utilities, on the same services as the console.
/// Exit 0 on success; 1 when the request is refused (with a one-line reason on stderr, nothing
/// written); 2 for a usage error.
/// </summary>
public static class CommandLine
{
    /// <summary>
    /// What <c>serve</c> runs: given the host's own arguments, the data folder (null for the configured one)
    /// and where to write errors, it serves until stopped and returns the exit code. The composition root
    /// (<c>Program</c>) hands it in, so that the command line needs neither the root nor the web console.
    /// </summary>
    public delegate Task<int> Serve(string[] hostArgs, string? dataDirectory, TextWriter error);

    private static readonly ResourceManager s_strings = new("Appliance.Resources.Strings", typeof(Strings).Assembly);

    public const string Usage = """
        usage: Appliance [--data DIR] [COMMAND]
          serve                                  run the server (the default)
          setup --hostname H [--domain D] [--admin ADDRESS] (--admin-password P | --password-stdin)
                [--language en|fr|de|it|es] [--cert FILE --key FILE]
                                                 (D defaults to H without its first label, ADDRESS to admin@D)
          domain add NAME | list | remove NAME | dns NAME
          user add ADDRESS (--password P | --password-stdin) [--name N] [--quota SIZE] [--admin]
          user list [--search TEXT] | passwd ADDRESS (--password P | --password-stdin)
          user disable ADDRESS | enable ADDRESS | remove ADDRESS
          alias add ADDRESS TARGET... | list | remove ADDRESS
          group add ADDRESS [--name N] | list | remove ADDRESS
          group add-member GROUP USER | remove-member GROUP USER
        """;

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, Serve serve)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(serve);

        string? data = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--data" or "-d")
            {
                if (i + 1 >= args.Length)
                {
                    await error.WriteLineAsync("error: --data needs a folder").ConfigureAwait(false);
                    return 2;
                }
                data = args[++i];
            }
            else if (args[i].StartsWith("--data=", StringComparison.Ordinal))
            {
                data = args[i]["--data=".Length..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        if (rest.Count > 0 && rest[0] is "--help" or "-h" or "help")
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return 0;
        }
        // Host options such as --Appliance:Listeners:Http=5081 go to serve; anything else starts a command.
        if (rest.Count == 0 || rest[0] == "serve" || rest[0].StartsWith("--", StringComparison.Ordinal))
        {
            var hostArgs = rest.Count > 0 && rest[0] == "serve" ? rest.Skip(1).ToArray() : rest.ToArray();
            return await serve(hostArgs, data, error).ConfigureAwait(false);
        }

        await using var services = CreateServices(data);
        try
        {
            // "--admin" is a value for setup (the administrator's address) and a switch for "user add".
            var options = Options.Parse(rest.Skip(1), rest[0] == "setup" ? new HashSet<string> { "password-stdin" } : new HashSet<string> { "admin", "password-stdin" });
            _ = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            _ = services.GetRequiredService<IOptions<SecurityOptions>>().Value;
            await services.GetRequiredService<Migrator>().MigrateAsync().ConfigureAwait(false);
            if (rest[0] is not ("setup" or "domain" or "user" or "alias" or "group"))
            {
                throw new UsageException($"unknown command '{rest[0]}'");
            }
            if (rest[0] != "setup" && !await services.GetRequiredService<SetupService>().IsCompleteAsync().ConfigureAwait(false))
            {
                throw new AccountException("Setup.NotDone");
            }
            var commands = new Commands(services, options, input, output);
            return rest[0] switch
            {
                "setup" => await commands.SetupAsync().ConfigureAwait(false),
                "domain" => await commands.DomainAsync().ConfigureAwait(false),
                "user" => await commands.UserAsync().ConfigureAwait(false),
                "alias" => await commands.AliasAsync().ConfigureAwait(false),
                "group" => await commands.GroupAsync().ConfigureAwait(false),
                _ => throw new UsageException($"unknown command '{rest[0]}'"),
            };
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            await error.WriteLineAsync("run 'Appliance --help' for the commands").ConfigureAwait(false);
            return 2;
        }
        catch (AccountException e)
        {
            await error.WriteLineAsync($"error: {Describe(e)}").ConfigureAwait(false);
            return 1;
        }
        catch (OptionsValidationException e)
        {
            await error.WriteLineAsync($"error: {string.Join(" ", e.Failures)}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageException)
        {
            // A folder it may not write, a database another process holds too long, a full disk:
            // one line that says what happened, never a stack trace.
            await error.WriteLineAsync($"error: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The English text of a refusal, as the console shows it.</summary>
    public static string Describe(AccountException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var template = s_strings.GetString(e.Key, CultureInfo.InvariantCulture) ?? e.Key;
        return string.Format(CultureInfo.InvariantCulture, template, [.. e.Arguments]);
    }

    private static ServiceProvider CreateServices(string? data)
    {
        var configuration = new ConfigurationManager();
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
        ApplianceConfiguration.Apply(configuration, environment, [], data);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddStorage();
        services.AddAccounts();
        services.AddSetup();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}

internal sealed class UsageException(string message) : Exception(message);
