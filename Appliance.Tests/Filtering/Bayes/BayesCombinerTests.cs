using Appliance.Filtering.Bayes;

namespace Appliance.Tests.Filtering.Bayes;

public sealed class BayesCombinerTests
{
    [Theory]
    [InlineData(0.0, 2, 1.0)]
    [InlineData(2.0, 2, 0.36787944117144233)]   // two degrees of freedom: e^(-x/2)
    [InlineData(10.0, 4, 0.0404276819945128)] // e^-5 (1 + 5)
    [InlineData(3.0, 6, 0.8088468305380581)]   // e^-1.5 (1 + 1.5 + 1.125)
    public void Chi_square_tail_matches_the_closed_form(double x2, int degrees, double expected)
    {
        Assert.Equal(expected, BayesCombiner.ChiSquareQ(x2, degrees), 12);
    }

    [Fact]
    public void Chi_square_tail_of_huge_values_is_tiny_not_nan()
    {
        var q = BayesCombiner.ChiSquareQ(5000, 300);
        Assert.True(q is >= 0 and < 1e-100, q.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Unseen_token_gets_the_prior_and_counts_pull_it_to_their_side()
    {
        Assert.Equal(BayesCombiner.X, BayesCombiner.TokenProbability(0, 0, 100, 100));
        Assert.True(BayesCombiner.TokenProbability(2, 0, 100, 100) > 0.98);
        Assert.True(BayesCombiner.TokenProbability(0, 2, 100, 100) < 0.02);
        // Rates, not counts: seen in 10 of 1,000 spam and 10 of 100 ham is a ham sign.
        Assert.True(BayesCombiner.TokenProbability(10, 10, 1000, 100) < 0.2);
    }

    [Fact]
    public void Confident_tokens_combine_to_their_side_and_mixed_ones_to_the_middle()
    {
        Assert.True(BayesCombiner.Combine(Enumerable.Repeat(0.99, 150).ToArray()) > 0.999);
        Assert.True(BayesCombiner.Combine(Enumerable.Repeat(0.01, 150).ToArray()) < 0.001);
        Assert.Equal(0.5, BayesCombiner.Combine(Enumerable.Repeat(0.99, 50).Concat(Enumerable.Repeat(0.01, 50)).ToArray()), 6);
        Assert.Equal(0.5, BayesCombiner.Combine([]));
        var extreme = BayesCombiner.Combine(Enumerable.Repeat(1.0, 1000).Concat(Enumerable.Repeat(0.0, 3)).ToArray());
        Assert.False(double.IsNaN(extreme));
    }
}
