using System.Diagnostics;
using System.Globalization;

namespace WebmailBench;

/// <summary>Median and 90th percentile (nearest rank) of repeated timings, in milliseconds.</summary>
public sealed record Timing(string Name, IReadOnlyList<double> Samples, string Note = "")
{
    public double Median => Percentile(0.5);
    public double P90 => Percentile(0.9);

    private double Percentile(double p)
    {
        if (Samples.Count == 0)
        {
            return double.NaN;
        }
        var sorted = Samples.Order().ToList();
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}: median {Median:0.0} ms, p90 {P90:0.0} ms (n={Samples.Count}){(Note.Length > 0 ? "; " + Note : "")}");
}

/// <summary>Runs a measurement: warm-up runs, then repetitions bounded in count and in time.</summary>
public static class Measure
{
    public static int Warmups { get; set; } = 2;
    public static int Repetitions { get; set; } = 10;

    /// <summary>A measurement stops early once this much time has passed (with at least 3 repetitions).</summary>
    public static TimeSpan Budget { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Times <paramref name="run"/> by the wall clock around it.</summary>
    public static Task<Timing> WallClockAsync(string name, Func<Task> run, string note = "") =>
        SelfTimedAsync(name, async () =>
        {
            var watch = Stopwatch.StartNew();
            await run();
            return watch.Elapsed.TotalMilliseconds;
        }, note);

    /// <summary>Repeats <paramref name="run"/>, which returns its own figure in milliseconds (measured in a browser, say).</summary>
    public static async Task<Timing> SelfTimedAsync(string name, Func<Task<double>> run, string note = "")
    {
        for (var i = 0; i < Warmups; i++)
        {
            await run();
        }
        var samples = new List<double>();
        var clock = Stopwatch.StartNew();
        while (samples.Count < Repetitions && (samples.Count < 3 || clock.Elapsed < Budget))
        {
            samples.Add(await run());
        }
        var timing = new Timing(name, samples, samples.Count < Repetitions ? $"stopped at the {Budget.TotalMinutes:0}-minute bound" + (note.Length > 0 ? "; " + note : "") : note);
        Console.WriteLine("  " + timing);
        return timing;
    }
}
