namespace Appliance.Filtering.Bayes;

/// <summary>
/// The arithmetic of the classifier, as SpamAssassin and SpamBayes do it: Gary Robinson's f(w), a token's spam
/// probability corrected by how often it was seen, and Fisher's inverse chi-square combination of the most
/// telling tokens into one probability that the message is spam. Pure.
/// </summary>
public static class BayesCombiner
{
    /// <summary>
    /// Robinson's s: how strongly the prior <see cref="X"/> weighs against the counts. SpamAssassin's 0.030 trusts
    /// the counts soon (a token seen twice, in spam only, is 0.99); SpamBayes's 0.45 is more cautious.
    /// </summary>
    public const double S = 0.030;

    /// <summary>Robinson's x: the probability of a token never seen, SpamAssassin's 0.538 (slightly on the spam side).</summary>
    public const double X = 0.538;

    /// <summary>
    /// Tokens with f(w) within this distance of 0.5 are left out (SpamAssassin's MIN_PROB_STRENGTH): they say
    /// nothing, and many of them would pull every message to the middle.
    /// </summary>
    public const double MinStrength = 0.346;

    /// <summary>
    /// f(w) for a token seen in <paramref name="spam"/> of <paramref name="nspam"/> spam messages and
    /// <paramref name="ham"/> of <paramref name="nham"/> ham messages. The counts are taken as rates, so that a
    /// user who taught ten times more spam than ham does not find every word spammy.
    /// </summary>
    public static double TokenProbability(long spam, long ham, long nspam, long nham)
    {
        if (spam + ham == 0 || nspam <= 0 || nham <= 0)
        {
            return X;
        }
        var spamRate = Math.Min(1.0, (double)spam / nspam);
        var hamRate = Math.Min(1.0, (double)ham / nham);
        var p = spamRate / (spamRate + hamRate);
        var n = spam + ham;
        return ((S * X) + (n * p)) / (S + n);
    }

    /// <summary>
    /// Fisher's method over <paramref name="probabilities"/> (each f(w)): the message's spamminess and hamminess
    /// as chi-square tests of the hypotheses "these are random", combined to (1 + S − H) / 2. 0 is certainly ham,
    /// 1 certainly spam, 0.5 undecided (or both at once: a message that looks like both lands in the middle).
    /// </summary>
    public static double Combine(IReadOnlyCollection<double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (probabilities.Count == 0)
        {
            return 0.5;
        }
        double lnSpam = 0, lnHam = 0;
        foreach (var f in probabilities)
        {
            // Clamped away from 0 and 1: f(w) never reaches them with s > 0, but a log of 0 must never be taken.
            var p = Math.Clamp(f, 1e-12, 1 - 1e-12);
            lnHam += Math.Log(p);
            lnSpam += Math.Log(1 - p);
        }
        var n = probabilities.Count;
        var spamminess = 1 - ChiSquareQ(-2 * lnSpam, 2 * n);
        var hamminess = 1 - ChiSquareQ(-2 * lnHam, 2 * n);
        return Math.Clamp((1 + spamminess - hamminess) / 2, 0, 1);
    }

    /// <summary>
    /// The probability that a chi-square variable with <paramref name="degrees"/> (even) degrees of freedom is at
    /// least <paramref name="x2"/>: e^−m Σ m^i / i! for i below degrees/2, with m = x2/2. Summed in logarithms,
    /// since e^−m underflows to 0 for the m of 150 confident tokens.
    /// </summary>
    public static double ChiSquareQ(double x2, int degrees)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degrees);
        if (x2 <= 0)
        {
            return 1;
        }
        var m = x2 / 2;
        var logM = Math.Log(m);
        var logTerm = -m;
        var logSum = logTerm;
        for (var i = 1; i < degrees / 2; i++)
        {
            logTerm += logM - Math.Log(i);
            logSum = LogAdd(logSum, logTerm);
        }
        return Math.Min(1, Math.Exp(logSum));
    }

    private static double LogAdd(double a, double b)
    {
        var (high, low) = a >= b ? (a, b) : (b, a);
        return high + Math.Log(1 + Math.Exp(low - high));
    }
}
