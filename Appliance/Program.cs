using Appliance.Cli;

return await CommandLine.RunAsync(args, Console.In, Console.Out, Console.Error);

/// <summary>The entry point, named so that tests and the component router can refer to this assembly.</summary>
public partial class Program;
