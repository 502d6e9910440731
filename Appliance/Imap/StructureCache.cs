using System.Collections.Concurrent;
using Appliance.Mime;
using Microsoft.Extensions.Options;

namespace Appliance.Imap;

/// <summary>
/// ENVELOPE, BODY and BODYSTRUCTURE of recently fetched messages, by blob hash. A blob never changes,
/// so an entry never goes stale; clients list folders by fetching these again and again, and parsing
/// each message every time made FETCH ENVELOPE seven times slower than Dovecot's index cache.
/// Bounded in entries and in characters (<see cref="ImapOptions.StructureCacheBytes"/>): when full it starts afresh,
/// and a structure bigger than a sixteenth of it (a crafted message of thousands of parts) is not kept.
/// </summary>
public sealed class StructureCache(IOptions<ImapOptions> options, MimeParserOptions parserOptions)
{
    public const int MaxEntries = 20_000;

    private readonly ConcurrentDictionary<string, Structure> _entries = new(StringComparer.Ordinal);
    private long _chars;

    /// <summary>The parser's limits, for every IMAP path that parses a stored message.</summary>
    public MimeParserOptions ParserOptions => parserOptions;

    public sealed record Structure(string Envelope, string Body, string BodyStructure);

    public bool TryGet(string hash, out Structure structure) => _entries.TryGetValue(hash, out structure!);

    public Structure Add(string hash, MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = message.GetBodyStructure();
        var structure = new Structure(message.GetEnvelope().ToImapString(), body.ToImapString(extensions: false), body.ToImapString(extensions: true));
        var chars = (long)structure.Envelope.Length + structure.Body.Length + structure.BodyStructure.Length;
        var budget = options.Value.StructureCacheBytes / sizeof(char);
        if (chars > budget / 16)
        {
            return structure;
        }
        if (_entries.Count >= MaxEntries || Interlocked.Add(ref _chars, chars) > budget)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _chars, chars);
        }
        _entries[hash] = structure;
        return structure;
    }
}
