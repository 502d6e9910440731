using System.Buffers.Binary;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Appliance.Storage;
using Dapper;

namespace Appliance.Filtering.Bayes;

/// <summary>Counts of one token for one user, as stored.</summary>
public readonly record struct BayesTokenCounts(long Spam, long Ham, long Atime);

/// <summary>How much one user has taught: messages learned as spam and ham, tokens kept, messages remembered.</summary>
public sealed record BayesStats(long Spam, long Ham, long Tokens, long Learned);

/// <summary>What a learn did.</summary>
public enum BayesLearnOutcome
{
    /// <summary>The message was new: its tokens were counted.</summary>
    Learned,

    /// <summary>It had been learned with the same label: nothing changed.</summary>
    AlreadyLearned,

    /// <summary>It had been learned with the other label: those counts were taken back and the new ones added.</summary>
    Relearned,
}

/// <summary>
/// The SQL of the classifier's tables (migration 17): <c>bayes_tokens</c>, <c>bayes_totals</c>, <c>bayes_learned</c>.
/// Writes go through <see cref="GroupCommit"/>, one savepoint per learn with one statement per table: a token list
/// travels as one JSON array through <c>json_each</c>, not as a parameter per token, so that a learn of 2,000 tokens
/// is one prepared upsert, and learns from several sessions share one fsync.
/// </summary>
public sealed class BayesStore(Database database, GroupCommit commits)
{
    private const string InTokens = "token IN (SELECT value FROM json_each(@tokens))";

    private const string Train = """
        INSERT INTO bayes_tokens(user_id, token, spam_count, ham_count, atime)
            SELECT @user, value, @spam, @ham, @now FROM json_each(@tokens) WHERE true
        ON CONFLICT(user_id, token) DO UPDATE SET spam_count = spam_count + excluded.spam_count,
            ham_count = ham_count + excluded.ham_count, atime = max(atime, excluded.atime)
        """;

    private const string AddTotals = """
        INSERT INTO bayes_totals(user_id, nspam, nham) VALUES (@user, @spam, @ham)
        ON CONFLICT(user_id) DO UPDATE SET nspam = nspam + excluded.nspam, nham = nham + excluded.nham
        """;

    private const string Untrain = $"""
        UPDATE bayes_tokens SET spam_count = max(0, spam_count - @spam), ham_count = max(0, ham_count - @ham)
        WHERE user_id = @user AND {InTokens}
        """;

    private const string DropEmpty = $"DELETE FROM bayes_tokens WHERE user_id = @user AND spam_count = 0 AND ham_count = 0 AND {InTokens}";

    private const string SubtractTotals = "UPDATE bayes_totals SET nspam = max(0, nspam - @spam), nham = max(0, nham - @ham) WHERE user_id = @user";

    private const string Remember = """
        INSERT OR REPLACE INTO bayes_learned(user_id, message_key, is_spam, tokens, learned_at) VALUES (@user, @key, @isSpam, @tokens, @now)
        """;

    /// <summary>The user's totals and the stored counts of those of <paramref name="tokens"/> the user has (the rest were never seen).</summary>
    public async Task<(long Spam, long Ham, Dictionary<long, BayesTokenCounts> Counts)> LookupAsync(long userId, IReadOnlyCollection<long> tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Both in one command, one after the other; a learn that commits between them shifts a count by one.
        using var results = await connection.QueryMultipleAsync(new CommandDefinition($"""
            SELECT nspam, nham FROM bayes_totals WHERE user_id = @user;
            SELECT token, spam_count, ham_count, atime FROM bayes_tokens WHERE user_id = @user AND {InTokens};
            """, new { user = userId, tokens = Json(tokens) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var totals = await results.ReadSingleOrDefaultAsync<(long Spam, long Ham)>().ConfigureAwait(false);
        var counts = new Dictionary<long, BayesTokenCounts>(tokens.Count);
        foreach (var row in await results.ReadAsync<(long Token, long Spam, long Ham, long Atime)>().ConfigureAwait(false))
        {
            counts[row.Token] = new BayesTokenCounts(row.Spam, row.Ham, row.Atime);
        }
        return (totals.Spam, totals.Ham, counts);
    }

    /// <summary>
    /// Marks those of <paramref name="tokens"/> last used before <paramref name="before"/> as used at <paramref name="now"/>
    /// (Unix seconds), so that expiry keeps what still decides.
    /// </summary>
    public Task TouchAsync(long userId, IReadOnlyCollection<long> tokens, long before, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var list = Json(tokens);
        return commits.RunAsync((connection, transaction) => Statements.ExecuteAsync(connection, transaction,
            $"UPDATE bayes_tokens SET atime = @now WHERE user_id = @user AND atime < @before AND {InTokens}",
            ("@now", now), ("@user", userId), ("@before", before), ("@tokens", list)), cancellationToken);
    }

    /// <summary>
    /// Counts <paramref name="tokens"/> once for the message <paramref name="messageKey"/>, in one transaction: nothing
    /// when it was learned with this label before; when with the other, its stored tokens are taken back first.
    /// </summary>
    public async Task<BayesLearnOutcome> LearnAsync(long userId, string messageKey, IReadOnlyCollection<long> tokens, bool isSpam, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageKey);
        ArgumentNullException.ThrowIfNull(tokens);
        var list = Json(tokens);
        var packed = Pack(tokens);
        var outcome = BayesLearnOutcome.Learned;
        await commits.RunAsync(async (connection, transaction) =>
        {
            outcome = BayesLearnOutcome.Learned;
            var before = await Statements.ScalarAsync(connection, transaction,
                "SELECT is_spam FROM bayes_learned WHERE user_id = @user AND message_key = @key", ("@user", userId), ("@key", messageKey)).ConfigureAwait(false);
            if (before is long wasSpam)
            {
                if ((wasSpam != 0) == isSpam)
                {
                    outcome = BayesLearnOutcome.AlreadyLearned;
                    return;
                }
                await UntrainAsync(connection, transaction, userId, messageKey, wasSpam != 0).ConfigureAwait(false);
                outcome = BayesLearnOutcome.Relearned;
            }
            var (spam, ham) = isSpam ? (1L, 0L) : (0L, 1L);
            await Statements.ExecuteAsync(connection, transaction, Train,
                ("@user", userId), ("@spam", spam), ("@ham", ham), ("@now", now), ("@tokens", list)).ConfigureAwait(false);
            await Statements.ExecuteAsync(connection, transaction, AddTotals, ("@user", userId), ("@spam", spam), ("@ham", ham)).ConfigureAwait(false);
            await Statements.ExecuteAsync(connection, transaction, Remember,
                ("@user", userId), ("@key", messageKey), ("@isSpam", isSpam ? 1L : 0L), ("@tokens", packed), ("@now", now)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>Takes back what learning <paramref name="messageKey"/> added; false when it was not learned.</summary>
    public async Task<bool> ForgetAsync(long userId, string messageKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageKey);
        var forgotten = false;
        await commits.RunAsync(async (connection, transaction) =>
        {
            var before = await Statements.ScalarAsync(connection, transaction,
                "SELECT is_spam FROM bayes_learned WHERE user_id = @user AND message_key = @key", ("@user", userId), ("@key", messageKey)).ConfigureAwait(false);
            forgotten = before is long;
            if (before is long wasSpam)
            {
                await UntrainAsync(connection, transaction, userId, messageKey, wasSpam != 0).ConfigureAwait(false);
                await Statements.ExecuteAsync(connection, transaction,
                    "DELETE FROM bayes_learned WHERE user_id = @user AND message_key = @key", ("@user", userId), ("@key", messageKey)).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return forgotten;
    }

    public async Task<BayesStats> StatsAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleAsync<BayesStats>(new CommandDefinition("""
            SELECT COALESCE((SELECT nspam FROM bayes_totals WHERE user_id = @user), 0) AS spam,
                   COALESCE((SELECT nham FROM bayes_totals WHERE user_id = @user), 0) AS ham,
                   (SELECT count(*) FROM bayes_tokens WHERE user_id = @user) AS tokens,
                   (SELECT count(*) FROM bayes_learned WHERE user_id = @user) AS learned
            """, new { user = userId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Users who keep more than <paramref name="maxTokens"/> tokens or <paramref name="maxLearned"/> learned messages.</summary>
    public async Task<IReadOnlyList<long>> OverLimitAsync(int maxTokens, int maxLearned, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<long>(new CommandDefinition("""
            SELECT user_id FROM bayes_tokens GROUP BY user_id HAVING count(*) > @maxTokens
            UNION SELECT user_id FROM bayes_learned GROUP BY user_id HAVING count(*) > @maxLearned
            """, new { maxTokens, maxLearned }, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
    }

    /// <summary>
    /// Drops the user's least recently used tokens beyond <paramref name="maxTokens"/> and the oldest learned records
    /// beyond <paramref name="maxLearned"/>, at most <paramref name="batch"/> rows of each in this call, so that one call
    /// holds the writer for milliseconds. Returns the rows dropped (tokens, learned records).
    /// </summary>
    public async Task<(int Tokens, int Learned)> ExpireAsync(long userId, int maxTokens, int maxLearned, int batch, CancellationToken cancellationToken)
    {
        int tokens = 0, learned = 0;
        await commits.RunAsync(async (connection, transaction) =>
        {
            var (tokenCount, learnedCount) = await Statements.PairAsync(connection, transaction, """
                SELECT (SELECT count(*) FROM bayes_tokens WHERE user_id = @user), (SELECT count(*) FROM bayes_learned WHERE user_id = @user)
                """, ("@user", userId)).ConfigureAwait(false);
            var excessTokens = Math.Min(batch, tokenCount - maxTokens);
            tokens = excessTokens <= 0 ? 0 : await Statements.ExecuteAsync(connection, transaction, """
                DELETE FROM bayes_tokens WHERE user_id = @user AND token IN
                    (SELECT token FROM bayes_tokens WHERE user_id = @user ORDER BY atime LIMIT @excess)
                """, ("@user", userId), ("@excess", excessTokens)).ConfigureAwait(false);
            var excessLearned = Math.Min(batch, learnedCount - maxLearned);
            learned = excessLearned <= 0 ? 0 : await Statements.ExecuteAsync(connection, transaction, """
                DELETE FROM bayes_learned WHERE user_id = @user AND message_key IN
                    (SELECT message_key FROM bayes_learned WHERE user_id = @user ORDER BY learned_at LIMIT @excess)
                """, ("@user", userId), ("@excess", excessLearned)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (tokens, learned);
    }

    private static async Task UntrainAsync(DbConnection connection, DbTransaction transaction, long userId, string messageKey, bool wasSpam)
    {
        var stored = await Statements.ScalarAsync(connection, transaction,
            "SELECT tokens FROM bayes_learned WHERE user_id = @user AND message_key = @key", ("@user", userId), ("@key", messageKey)).ConfigureAwait(false);
        var list = Json(Unpack(stored as byte[] ?? []));
        var (spam, ham) = wasSpam ? (1L, 0L) : (0L, 1L);
        await Statements.ExecuteAsync(connection, transaction, Untrain, ("@spam", spam), ("@ham", ham), ("@user", userId), ("@tokens", list)).ConfigureAwait(false);
        await Statements.ExecuteAsync(connection, transaction, DropEmpty, ("@user", userId), ("@tokens", list)).ConfigureAwait(false);
        await Statements.ExecuteAsync(connection, transaction, SubtractTotals, ("@spam", spam), ("@ham", ham), ("@user", userId)).ConfigureAwait(false);
    }

    internal static string Json(IEnumerable<long> tokens)
    {
        var json = new StringBuilder("[");
        foreach (var token in tokens)
        {
            if (json.Length > 1)
            {
                json.Append(',');
            }
            json.Append(token.ToString(CultureInfo.InvariantCulture));
        }
        return json.Append(']').ToString();
    }

    internal static byte[] Pack(IReadOnlyCollection<long> tokens)
    {
        var bytes = new byte[tokens.Count * sizeof(long)];
        var i = 0;
        foreach (var token in tokens)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i), token);
            i += sizeof(long);
        }
        return bytes;
    }

    internal static long[] Unpack(ReadOnlySpan<byte> bytes)
    {
        var tokens = new long[bytes.Length / sizeof(long)];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * sizeof(long))..]);
        }
        return tokens;
    }
}
