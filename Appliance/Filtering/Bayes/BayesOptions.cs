using System.Globalization;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Bayes;

/// <summary><c>Appliance:Filtering:Bayes</c>: how much of a message the per-user classifier reads, and when it may speak.</summary>
public sealed class BayesOptions
{
    public const string Section = "Appliance:Filtering:Bayes";

    /// <summary>
    /// Spam messages a user must have taught before the classifier gives a verdict. Default 200, SpamAssassin's
    /// <c>bayes_min_spam_num</c>: with fewer, a handful of words decides and innocent mail lands in Junk.
    /// </summary>
    public int MinSpam { get; set; } = 200;

    /// <summary>Ham (good) messages needed before a verdict. Default 200, SpamAssassin's <c>bayes_min_ham_num</c>.</summary>
    public int MinHam { get; set; } = 200;

    /// <summary>
    /// Bytes of a message read to learn or classify it; the rest is not read. Default 256 KiB: the words that
    /// tell spam apart sit in the header and the first screens of text, while a 40 MB attachment would cost its
    /// size in memory and parsing on every delivery and every move into Junk. (spamc's default limit is 500 KB.)
    /// </summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Distinct tokens taken from one message, header tokens first. Default 2,000: a long newsletter gives a few
    /// thousand; the cap bounds the rows one learn writes (one IMAP MOVE into Junk must stay cheap) and the lookups
    /// one classification makes.
    /// </summary>
    public int MaxTokensPerMessage { get; set; } = 2_000;

    /// <summary>
    /// Tokens the combination uses: the ones furthest from 0.5. Default 150, SpamAssassin's and SpamBayes's
    /// N_SIGNIFICANT_TOKENS: beyond it, more of the same evidence only pushes the result to its extremes.
    /// </summary>
    public int SignificantTokens { get; set; } = 150;

    /// <summary>
    /// Tokens kept per user; <see cref="BayesClassifier.ExpireAsync"/> drops those least recently used beyond it.
    /// Default 150,000, SpamAssassin's <c>bayes_expiry_max_db_size</c>: some 5 MB a user in SQLite, and enough
    /// for years of one person's mail.
    /// </summary>
    public int MaxTokensPerUser { get; set; } = 150_000;

    /// <summary>
    /// Learned messages remembered per user (to make learning the same message again do nothing);
    /// <see cref="BayesClassifier.ExpireAsync"/> forgets the oldest records beyond it, not their counts. Default 20,000:
    /// each holds the message's token list (up to 16 KB), and a user who moves more than that into and out of Junk
    /// has long since taught the filter what it needs.
    /// </summary>
    public int MaxLearnedPerUser { get; set; } = 20_000;
}

public sealed class BayesOptionsValidator : IValidateOptions<BayesOptions>
{
    public ValidateOptionsResult Validate(string? name, BayesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, nameof(options.MinSpam), options.MinSpam, 1, 1_000_000);
        Check(failures, nameof(options.MinHam), options.MinHam, 1, 1_000_000);
        Check(failures, nameof(options.MaxMessageBytes), options.MaxMessageBytes, 1024, 64 * 1024 * 1024);
        Check(failures, nameof(options.MaxTokensPerMessage), options.MaxTokensPerMessage, 10, 100_000);
        Check(failures, nameof(options.SignificantTokens), options.SignificantTokens, 1, 10_000);
        Check(failures, nameof(options.MaxTokensPerUser), options.MaxTokensPerUser, 1_000, 100_000_000);
        Check(failures, nameof(options.MaxLearnedPerUser), options.MaxLearnedPerUser, 1, 100_000_000);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{BayesOptions.Section}:{setting} must be between {min} and {max} (was {value})."));
        }
    }
}
