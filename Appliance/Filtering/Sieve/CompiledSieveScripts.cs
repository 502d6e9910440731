using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Sieve;

/// <summary>
/// Compiled scripts kept by their text, so that delivery compiles a user's script once, not for every message: a
/// <see cref="SieveScript"/> is immutable and the interpreter keeps a run's state in its context, so one compiled
/// script serves any number of deliveries at once. Keyed by the text and the <see cref="SieveOptions"/> instance it
/// was compiled under; a script that does not compile is kept with its error, which is as deterministic. Editing a
/// script changes its text and so misses; the old entry ages out. Bounded by
/// <see cref="SieveScriptOptions.CompiledCacheEntries"/> entries and, because one script may be 64 KiB, by that many
/// times 8 KiB of script text in all: when either is reached the least recently used tenth goes.
/// </summary>
public sealed class CompiledSieveScripts
{
    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private readonly Lock _trimGate = new();
    private readonly int _maxEntries;
    private readonly long _maxChars;
    private long _chars;
    private long _clock;

    public CompiledSieveScripts(IOptions<SieveScriptOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxEntries = options.Value.CompiledCacheEntries;
        _maxChars = _maxEntries * 8L * 1024;
    }

    private readonly record struct Key(string Text, SieveOptions? Options);

    private sealed class Entry(SieveScript? script, SieveSyntaxException? error, long used)
    {
        public SieveScript? Script { get; } = script;
        public SieveSyntaxException? Error { get; } = error;
        public long Used = used;
    }

    /// <summary>How many compiled scripts are kept now.</summary>
    public int Count => _entries.Count;

    /// <summary>As <see cref="SieveScript.TryCompile"/>, compiling only what it has not seen under these options.</summary>
    public bool TryCompile(string text, SieveOptions? options, out SieveScript? script, out SieveSyntaxException? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var key = new Key(text, options);
        var now = Interlocked.Increment(ref _clock);
        if (_entries.TryGetValue(key, out var entry))
        {
            Volatile.Write(ref entry.Used, now);
        }
        else
        {
            SieveScript.TryCompile(text, options, out var compiled, out var failure);
            entry = new Entry(compiled, failure, now);
            if (_maxEntries > 0 && _entries.TryAdd(key, entry))
            {
                Interlocked.Add(ref _chars, text.Length);
                if (_entries.Count > _maxEntries || Interlocked.Read(ref _chars) > _maxChars)
                {
                    Trim();
                }
            }
        }
        script = entry.Script;
        error = entry.Error;
        return script is not null;
    }

    private void Trim()
    {
        lock (_trimGate)
        {
            if (_entries.Count <= _maxEntries && Interlocked.Read(ref _chars) <= _maxChars)
            {
                return;
            }
            var byAge = _entries.OrderBy(e => Volatile.Read(ref e.Value.Used)).ToArray();
            var drop = Math.Max(Math.Max(1, _maxEntries / 10), _entries.Count - _maxEntries);
            foreach (var (key, _) in byAge)
            {
                if (drop <= 0 && Interlocked.Read(ref _chars) <= _maxChars)
                {
                    break;
                }
                if (_entries.TryRemove(key, out _))
                {
                    Interlocked.Add(ref _chars, -key.Text.Length);
                    drop--;
                }
            }
        }
    }
}
