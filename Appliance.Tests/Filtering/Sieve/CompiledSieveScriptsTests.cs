using Appliance.Filtering.Sieve;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Sieve;

public sealed class CompiledSieveScriptsTests
{
    private static CompiledSieveScripts Cache(int entries = 1000) => new(Options.Create(new SieveScriptOptions { CompiledCacheEntries = entries }));

    private const string Script = "require \"fileinto\";\nif header :contains \"subject\" \"report\" { fileinto \"Reports\"; }\n";

    [Fact]
    public void The_same_text_compiles_once_and_gives_the_same_script()
    {
        var cache = Cache();
        var options = new SieveOptions();
        Assert.True(cache.TryCompile(Script, options, out var first, out var error));
        Assert.Null(error);
        Assert.True(cache.TryCompile(new string(Script.AsSpan()), options, out var second, out _));
        Assert.Same(first, second);
        Assert.Equal(1, cache.Count);
        Assert.Contains("fileinto", first!.Extensions);
    }

    [Fact]
    public void An_edited_script_or_other_options_compile_anew()
    {
        var cache = Cache();
        var options = new SieveOptions();
        cache.TryCompile(Script, options, out var original, out _);
        cache.TryCompile(Script.Replace("Reports", "Other", StringComparison.Ordinal), options, out var edited, out _);
        cache.TryCompile(Script, new SieveOptions(), out var otherOptions, out _);
        Assert.NotSame(original, edited);
        Assert.NotSame(original, otherOptions);
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void A_broken_script_gives_its_error_each_time()
    {
        var cache = Cache();
        Assert.False(cache.TryCompile("if true { keep;", null, out var script, out var error));
        Assert.Null(script);
        Assert.NotNull(error);
        Assert.False(cache.TryCompile("if true { keep;", null, out _, out var again));
        Assert.Equal(error!.Message, again!.Message);
    }

    [Fact]
    public void The_least_recently_used_go_when_full()
    {
        var cache = Cache(entries: 10);
        cache.TryCompile("keep; # 0\n", null, out var kept, out _);
        for (var i = 1; i < 30; i++)
        {
            cache.TryCompile($"keep; # {i}\n", null, out _, out _);
            // Script 0 is in use throughout: it stays while the others come and go.
            cache.TryCompile("keep; # 0\n", null, out var again, out _);
            Assert.Same(kept, again);
        }
        Assert.InRange(cache.Count, 1, 10);
        cache.TryCompile("keep; # 1\n", null, out _, out _);
        Assert.InRange(cache.Count, 1, 10);
    }

    [Fact]
    public void No_entries_compiles_every_time()
    {
        var cache = Cache(entries: 0);
        cache.TryCompile(Script, null, out var first, out _);
        cache.TryCompile(Script, null, out var second, out _);
        Assert.NotSame(first, second);
        Assert.Equal(0, cache.Count);
    }
}
