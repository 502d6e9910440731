using Appliance.Tests.Fuzz;
using SharpFuzz;

// Fuzz <target>                  run under afl-fuzz (reads inputs from AFL++'s forkserver, in process)
// Fuzz <target> <file|dir>...    replay inputs: prints each one's outcome and allocation, exit 1 on a failure
if (args.Length == 0 || !FuzzTargets.All.ContainsKey(args[0]))
{
    Console.Error.WriteLine($"usage: Fuzz <{string.Join('|', FuzzTargets.All.Keys)}> [input file or folder...]");
    return 2;
}
var target = args[0];
if (args.Length == 1)
{
    Fuzzer.Run(stream =>
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        FuzzTargets.Run(target, memory.ToArray());
    });
    return 0;
}

var failed = 0;
foreach (var path in args.Skip(1).SelectMany<string, string>(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : [p]))
{
    var input = File.ReadAllBytes(path);
    var clock = System.Diagnostics.Stopwatch.StartNew();
    try
    {
        var allocated = FuzzTargets.Run(target, input);
        Console.WriteLine($"ok    {path}: {input.Length} bytes, {clock.ElapsedMilliseconds} ms, {allocated:N0} bytes allocated");
    }
#pragma warning disable CA1031 // Replay reports every failure and goes on to the next input.
    catch (Exception e)
#pragma warning restore CA1031
    {
        failed++;
        Console.WriteLine($"FAIL  {path}: {input.Length} bytes, {clock.ElapsedMilliseconds} ms: {e}");
    }
}
return failed == 0 ? 0 : 1;
