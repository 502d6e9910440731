using System.Diagnostics;

namespace Appliance.Tests.Fuzz;

/// <summary>
/// Replays every kept fuzz input (TestData/Fuzz/&lt;target&gt;: the seeds and each minimised finding, named after
/// what it proves) and the parsers' golden files through the same <see cref="FuzzTargets"/> that bench/fuzz.sh
/// runs under AFL++. Each must finish without an unexpected exception, inside <see cref="FuzzTargets.AllocationBudget"/>
/// (checked by <see cref="FuzzTargets.Run"/>) and inside <see cref="TimeBudget"/>.
/// </summary>
public class FuzzRegressionTests
{
    /// <summary>
    /// Per input. The slowest kept input takes under 50 ms warm; AFL++ calls a run of over 2 s a hang. A parser
    /// that goes quadratic or loops on an input fails this long before it would fail the fuzzer, and a slow CI
    /// machine (the whole suite runs on two shared cores) stays well inside it.
    /// </summary>
    private static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(2);

    private static string TestData => Path.Combine(AppContext.BaseDirectory, "TestData");

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.All.Keys)
        {
            var folders = new List<string> { Path.Combine("Fuzz", target) };
            if (target == "mime") folders.Add("Mime");
            if (target == "html") folders.Add("HostileHtml");
            foreach (var folder in folders)
            {
                var path = Path.Combine(TestData, folder);
                foreach (var file in (Directory.Exists(path) ? Directory.GetFiles(path) : []).Order(StringComparer.Ordinal))
                {
                    data.Add(target, Path.GetRelativePath(TestData, file));
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Kept_input_is_handled_within_time_and_allocation_bounds(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(TestData, file));
        // Warm up (JIT, static tables) on an empty input, so the clock measures the parser and not the runtime.
        FuzzTargets.Run(target, []);
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() => FuzzTargets.Run(target, input));
        // A hang must fail the test, not stall the run: wait a bounded time for the worker.
        await run.WaitAsync(TimeBudget * 5);
        Assert.True(clock.Elapsed < TimeBudget, $"{target} took {clock.Elapsed} for {file} ({input.Length} bytes)");
    }

    [Fact]
    public void Every_target_has_kept_inputs()
    {
        var targets = Inputs().Select(row => (string)row[0]).ToHashSet();
        Assert.Equal(FuzzTargets.All.Keys.Order(StringComparer.Ordinal), targets.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_allocation_out_of_proportion_to_the_input_fails_the_run()
    {
        // The budget check itself must be able to fail, or a regression test could never catch an unbounded allocation.
        var ok = FuzzTargets.AllocationBudget("mime", 10);
        Assert.True(ok > FuzzTargets.AllocationBudget("mime", 0));
        FuzzTargets.Check("mime", 10, ok);
        Assert.Throws<FuzzBudgetException>(() => FuzzTargets.Check("mime", 10, ok + 1));
    }
}
