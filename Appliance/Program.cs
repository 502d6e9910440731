using Appliance.Cli;

namespace Appliance;

/// <summary>
/// The entry point and composition root (<c>Program.Host.cs</c>): the one place that knows every
/// feature, the web console included. The command line gets the <c>serve</c> entry as a delegate,
/// so that neither it nor any feature depends on the root or on <c>Web/</c>.
/// </summary>
public partial class Program
{
    public static Task<int> Main(string[] args) =>
        CommandLine.RunAsync(args, Console.In, Console.Out, Console.Error, RunAsync);
}
