using System.Text;
using Appliance.Mail;

namespace Appliance.Tests.Mail;

/// <summary>SRS0 rewriting of forwarded senders: what goes out comes back to the same sender, and nothing else does.</summary>
public sealed class SrsTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("a test key");
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_rewritten_sender_has_the_SRS0_form_at_our_domain_and_reverses_to_the_original()
    {
        var rewritten = Srs.Encode(Secret, "anna@elsewhere.example", "example.com", Now);
        Assert.Matches(@"^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=elsewhere\.example=anna@example\.com$", rewritten);
        Assert.Equal("anna@elsewhere.example", Srs.Decode(Secret, rewritten, Now.AddDays(3), 21));
    }

    [Fact]
    public void A_local_part_with_equals_signs_and_folded_case_still_reverses()
    {
        var rewritten = Srs.Encode(Secret, "a=b@Elsewhere.example", "example.com", Now);
        Assert.Equal("a=b@elsewhere.example", Srs.Decode(Secret, rewritten.ToLowerInvariant(), Now, 21));
    }

    [Fact]
    public void A_forged_hash_another_key_or_a_changed_sender_is_refused()
    {
        var rewritten = Srs.Encode(Secret, "anna@elsewhere.example", "example.com", Now);
        var hash = rewritten.Split('=')[1];
        var forged = rewritten.Replace("=" + hash + "=", "=" + (hash == "AAAA" ? "BBBB" : "AAAA") + "=", StringComparison.Ordinal);
        Assert.Null(Srs.Decode(Secret, forged, Now, 21));
        Assert.Null(Srs.Decode(Encoding.UTF8.GetBytes("another key"), rewritten, Now, 21));
        Assert.Null(Srs.Decode(Secret, rewritten.Replace("=anna@", "=mallory@", StringComparison.Ordinal), Now, 21));
        Assert.Null(Srs.Decode(Secret, "SRS0=abcd@example.com", Now, 21));
        Assert.Null(Srs.Decode(Secret, "anna@example.com", Now, 21));
    }

    [Fact]
    public void An_address_older_than_the_allowed_age_is_refused_also_across_the_stamp_wrapping()
    {
        var rewritten = Srs.Encode(Secret, "anna@elsewhere.example", "example.com", Now);
        Assert.NotNull(Srs.Decode(Secret, rewritten, Now.AddDays(21), 21));
        Assert.Null(Srs.Decode(Secret, rewritten, Now.AddDays(22), 21));
        // The day stamp counts modulo 1024: one written just before the wrap is still young just after it.
        var wrapDay = DateTimeOffset.FromUnixTimeSeconds(((1024L * 20) + 1023) * 86400);
        var beforeWrap = Srs.Encode(Secret, "anna@elsewhere.example", "example.com", wrapDay);
        Assert.NotNull(Srs.Decode(Secret, beforeWrap, wrapDay.AddDays(2), 21));
    }
}
