using System.Buffers;
using System.Globalization;
using Appliance.Mailstore;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Bayes;

/// <summary>Why a classification gave, or did not give, a probability.</summary>
public enum BayesStatus
{
    /// <summary>The user has not taught enough spam and ham yet (<see cref="BayesOptions.MinSpam"/>, <see cref="BayesOptions.MinHam"/>): nothing was added to the verdict.</summary>
    Untrained,

    /// <summary>None of the message's tokens says anything the user taught: nothing was added.</summary>
    NoEvidence,

    /// <summary>A probability was computed and its BAYES_ symbol added.</summary>
    Scored,
}

/// <summary>The outcome of one classification: the probability of spam (when <see cref="Status"/> is Scored) and the tokens behind it.</summary>
public sealed record BayesResult(BayesStatus Status, double? Probability, int TokensUsed, int TokensSeen);

/// <summary>
/// A per-user Bayesian spam classifier in the manner of SpamAssassin's Bayes: each user's filter learns from the
/// messages that user moves into Junk (spam) and out of it (ham), and judges new mail by the same tokens. The
/// result is a probability and one of SpamAssassin's BAYES_00 … BAYES_99 (and BAYES_999) symbols with SpamAssassin's
/// points, added to the message's <see cref="Verdict"/>.
/// </summary>
/// <remarks>
/// Cost, so that a caller can run <see cref="LearnAsync"/> on every IMAP MOVE: one bounded read of the message, one
/// parse, a SHA-256 per token, then one savepoint of three statements in <see cref="Storage.GroupCommit"/>'s shared
/// transaction. A classification is one read transaction of two queries, plus at most once a day per token a touch
/// of their access time.
/// </remarks>
public sealed class BayesClassifier(BayesStore store, MessageLoader loader, IOptions<BayesOptions> options, TimeProvider time)
{
    /// <summary>The source name the symbols carry.</summary>
    public const string Source = "bayes";

    /// <summary>Rows dropped per user and table in one <see cref="ExpireAsync"/> call: a few milliseconds of the writer.</summary>
    public const int ExpireBatch = 10_000;

    /// <summary>How stale a token's access time may get before a classification that used it writes it again: expiry counts in weeks, not seconds.</summary>
    private static readonly long TouchInterval = (long)TimeSpan.FromDays(1).TotalSeconds;

    /// <summary>
    /// SpamAssassin's bands and their default points (50_scores.cf, the set with Bayes and network tests):
    /// the lower bound of each, its name and its points. Negative points for ham; BAYES_999 adds to BAYES_99.
    /// </summary>
    private static readonly (double From, string Name, double Points)[] Bands =
    [
        (0.00, "BAYES_00", -1.9),
        (0.01, "BAYES_05", -0.5),
        (0.05, "BAYES_20", -0.001),
        (0.20, "BAYES_40", -0.001),
        (0.40, "BAYES_50", 0.8),
        (0.60, "BAYES_60", 1.5),
        (0.80, "BAYES_80", 2.0),
        (0.95, "BAYES_95", 3.0),
        (0.99, "BAYES_99", 3.5),
    ];

    private const double Band999 = 0.999;
    private const double Points999 = 0.2;

    /// <summary>
    /// Judges <paramref name="message"/> (read up to <see cref="BayesOptions.MaxMessageBytes"/>) by what
    /// <paramref name="userId"/> taught, and adds its BAYES_ symbol to <paramref name="verdict"/> when there is one.
    /// </summary>
    public async Task<BayesResult> ClassifyAsync(long userId, Stream message, Verdict verdict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(verdict);
        var o = options.Value;
        var tokens = await HashesAsync(message, cancellationToken).ConfigureAwait(false);
        var (nspam, nham, counts) = await store.LookupAsync(userId, tokens, cancellationToken).ConfigureAwait(false);
        if (nspam < o.MinSpam || nham < o.MinHam)
        {
            return new BayesResult(BayesStatus.Untrained, null, 0, counts.Count);
        }
        var significant = new List<double>(counts.Count);
        foreach (var c in counts.Values)
        {
            var f = BayesCombiner.TokenProbability(c.Spam, c.Ham, nspam, nham);
            if (Math.Abs(f - 0.5) >= BayesCombiner.MinStrength)
            {
                significant.Add(f);
            }
        }
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (counts.Values.Any(c => c.Atime < now - TouchInterval))
        {
            await store.TouchAsync(userId, counts.Keys, now - TouchInterval, now, cancellationToken).ConfigureAwait(false);
        }
        if (significant.Count == 0)
        {
            return new BayesResult(BayesStatus.NoEvidence, null, 0, counts.Count);
        }
        // The most telling: furthest from 0.5 either way (SpamAssassin's N_SIGNIFICANT_TOKENS).
        var used = significant.OrderByDescending(f => Math.Abs(f - 0.5)).Take(o.SignificantTokens).ToList();
        var probability = BayesCombiner.Combine(used);
        AddSymbols(verdict, probability, used.Count);
        return new BayesResult(BayesStatus.Scored, probability, used.Count, counts.Count);
    }

    /// <summary>
    /// Teaches <paramref name="userId"/>'s filter that <paramref name="message"/> is spam (or not). The same
    /// <paramref name="messageKey"/> (a Message-ID, a blob hash) learned again the same way changes nothing; the other
    /// way it first takes back what it added ("untrain, then train"), so moving a message into Junk and out again
    /// leaves it counted once, as ham.
    /// </summary>
    public async Task<BayesLearnOutcome> LearnAsync(long userId, string messageKey, Stream message, bool isSpam, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageKey);
        ArgumentNullException.ThrowIfNull(message);
        var tokens = await HashesAsync(message, cancellationToken).ConfigureAwait(false);
        return await store.LearnAsync(userId, messageKey, tokens, isSpam, time.GetUtcNow().ToUnixTimeSeconds(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes back what learning <paramref name="messageKey"/> taught; false when it was never learned (or long forgotten by expiry).</summary>
    public Task<bool> ForgetAsync(long userId, string messageKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageKey);
        return store.ForgetAsync(userId, messageKey, cancellationToken);
    }

    public Task<BayesStats> StatsAsync(long userId, CancellationToken cancellationToken) => store.StatsAsync(userId, cancellationToken);

    /// <summary>
    /// Bounded maintenance for one user: drops up to <see cref="ExpireBatch"/> of the least recently used tokens beyond
    /// <see cref="BayesOptions.MaxTokensPerUser"/>, and as many of the oldest learned records beyond
    /// <see cref="BayesOptions.MaxLearnedPerUser"/>. Call again while it returns a full batch.
    /// </summary>
    public Task<(int Tokens, int Learned)> ExpireAsync(long userId, CancellationToken cancellationToken)
    {
        var o = options.Value;
        return store.ExpireAsync(userId, o.MaxTokensPerUser, o.MaxLearnedPerUser, ExpireBatch, cancellationToken);
    }

    /// <summary>One bounded <see cref="ExpireAsync"/> round for every user over a limit; returns the users it trimmed.</summary>
    public async Task<int> ExpireAllAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var users = await store.OverLimitAsync(o.MaxTokensPerUser, o.MaxLearnedPerUser, cancellationToken).ConfigureAwait(false);
        foreach (var user in users)
        {
            await ExpireAsync(user, cancellationToken).ConfigureAwait(false);
        }
        return users.Count;
    }

    /// <summary>The distinct token hashes of the message's first <see cref="BayesOptions.MaxMessageBytes"/> bytes.</summary>
    internal async Task<long[]> HashesAsync(Stream message, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var buffer = ArrayPool<byte>.Shared.Rent(o.MaxMessageBytes);
        try
        {
            var length = 0;
            while (length < o.MaxMessageBytes)
            {
                var read = await message.ReadAsync(buffer.AsMemory(length, o.MaxMessageBytes - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            // Parsed as stored mail is, with Appliance:Mime's limits: a crafted message costs no more here than in IMAP.
            using var loaded = loader.FromBytes(buffer.AsMemory(0, length));
            var tokens = BayesTokenizer.Tokenize(loaded.Message, o.MaxTokensPerMessage, o.MaxMessageBytes);
            // Two texts may hash alike: the set keeps each stored row counted once per message.
            return tokens.Select(BayesTokenizer.Hash).Distinct().ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void AddSymbols(Verdict verdict, double probability, int tokens)
    {
        var band = Bands[0];
        foreach (var b in Bands)
        {
            if (probability >= b.From)
            {
                band = b;
            }
        }
        verdict.Add(band.Name, band.Points, string.Create(CultureInfo.InvariantCulture,
            $"The spam filter you trained rates this {probability:0.0%} likely to be spam, from {tokens} words it has learned."), Source);
        if (probability >= Band999)
        {
            verdict.Add("BAYES_999", Points999, "Your trained spam filter is at least 99.9% sure this is spam.", Source);
        }
    }
}
