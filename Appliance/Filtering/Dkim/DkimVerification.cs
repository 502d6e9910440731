using System.Globalization;
using Appliance.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Appliance.Filtering.Dkim;

/// <summary>
/// Verifies the DKIM signatures of incoming mail (MimeKit's <see cref="DkimVerifier"/>, keys through
/// <see cref="DnsDkimPublicKeyLocator"/>) and says for each what RFC 8601 calls its result. Hostile input gets a
/// result, never an exception: a malformed field is neutral, a bad key permerror, a DNS timeout temperror, and the
/// work is bounded by <see cref="DkimOptions.MaxSignatures"/> and <see cref="DkimOptions.VerificationTimeoutSeconds"/>.
/// </summary>
public sealed partial class DkimVerification(IDnsResolver resolver, IOptions<DkimOptions> options, TimeProvider time, ILogger<DkimVerification> logger)
{
    /// <summary>Longest DKIM-Signature field looked at (characters, unfolded). A real one is under 1,000; the rest is an attack on the parser.</summary>
    public const int MaxFieldLength = 16 * 1024;

    private readonly DkimOptions _options = options.Value;

    /// <summary>Only the caller's cancellation escapes; everything else becomes a result.</summary>
    public async Task<DkimVerificationResult> VerifyAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        MimeMessage parsed;
        try
        {
            parsed = DkimSigning.Parse(message);
        }
        catch (FormatException e)
        {
            return Unparsable(e.Message);
        }
        return await VerifyAsync(parsed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The result for a message MimeKit could not parse: a permerror, logged.</summary>
    public DkimVerificationResult Unparsable(string detail)
    {
        LogUnparsable(detail);
        return new([new DkimSignatureResult(DkimResult.PermError, null, null, null, null, "message could not be parsed")], 0);
    }

    /// <summary>
    /// The same for a message already parsed (the door parses once for DKIM and ARC). The verifier only reads
    /// <paramref name="parsed"/>, so it can be handed on to <see cref="ArcVerification"/> afterwards.
    /// </summary>
    public async Task<DkimVerificationResult> VerifyAsync(MimeMessage parsed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var fields = parsed.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToArray();
        var checkedFields = fields.Take(_options.MaxSignatures).ToArray();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(_options.VerificationTimeoutSeconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var results = new List<DkimSignatureResult>(checkedFields.Length);
        foreach (var field in checkedFields)
        {
            results.Add(await VerifyOneAsync(parsed, field, linked.Token, cancellationToken));
        }
        if (fields.Length > checkedFields.Length)
        {
            LogTooManySignatures(fields.Length, checkedFields.Length);
        }
        return new(results, fields.Length - checkedFields.Length);
    }

    private async Task<DkimSignatureResult> VerifyOneAsync(MimeMessage message, Header field, CancellationToken token, CancellationToken callerToken)
    {
        var value = field.Value ?? "";
        if (value.Length > MaxFieldLength)
        {
            return new(DkimResult.Neutral, null, null, null, null, "signature field too long");
        }
        if (!DkimTagList.TryParse(value, out var tags))
        {
            return new(DkimResult.Neutral, null, null, null, null, "signature syntax error");
        }
        var d = tags.GetValueOrDefault("d");
        var s = tags.GetValueOrDefault("s");
        var a = tags.GetValueOrDefault("a")?.ToLowerInvariant();
        var b = tags.GetValueOrDefault("b");
        DkimSignatureResult Result(DkimResult result, string? reason) => new(result, d, s, a, b, reason);

        if (a is "rsa-sha1")
        {
            // RFC 8301 §3.1: verifiers must not consider rsa-sha1 signatures valid.
            return Result(DkimResult.Neutral, "rsa-sha1 is not accepted (RFC 8301)");
        }
        if (a is not ("rsa-sha256" or "ed25519-sha256"))
        {
            return Result(DkimResult.Neutral, "unknown signature algorithm");
        }
        if (tags.TryGetValue("x", out var x))
        {
            if (!long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
            {
                return Result(DkimResult.Neutral, "signature syntax error in x=");
            }
            // RFC 6376 §6.1.1: a verifier must consider a signature past x= invalid.
            if (expires < time.GetUtcNow().ToUnixTimeSeconds())
            {
                return Result(DkimResult.Fail, "signature expired");
            }
        }
        var locator = new DnsDkimPublicKeyLocator(resolver, options) { ExpectedKeyType = a == "rsa-sha256" ? "rsa" : "ed25519" };
        var verifier = new DkimVerifier(locator) { MinimumRsaKeyLength = _options.MinRsaKeyBits };
        try
        {
            if (await verifier.VerifyAsync(FormatOptions.Default, message, field, token))
            {
                return Result(DkimResult.Pass, locator.LastRecord is { Testing: true } ? "key in testing mode" : null);
            }
            // MimeKit says false without saying why. The algorithm was checked above, so before any key lookup the
            // only false is the body hash (MimeKit checks it first); after one, the header signature.
            return Result(DkimResult.Fail, locator.LastRecord is null ? "body hash did not verify" : "signature did not verify");
        }
        catch (DkimKeyException e)
        {
            return Result(e.Temporary ? DkimResult.TempError : DkimResult.PermError, e.Message);
        }
        catch (FormatException e)
        {
            LogMalformed(d, s, e.Message);
            return Result(DkimResult.Neutral, "signature syntax error");
        }
        catch (OperationCanceledException) when (!callerToken.IsCancellationRequested)
        {
            return Result(DkimResult.TempError, "verification timed out");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Hostile input can reach corners of MimeKit and BouncyCastle that throw other types
            // (ArgumentException, a crypto exception): the signature then cannot be processed, and the
            // message goes on to the other checks instead of failing the whole delivery.
            LogUnexpected(d, s, e);
            return Result(DkimResult.Neutral, "signature could not be processed");
        }
    }

    [LoggerMessage(EventId = 9111, Level = LogLevel.Debug, Message = "DKIM: message could not be parsed: {Detail}")]
    private partial void LogUnparsable(string detail);

    [LoggerMessage(EventId = 9112, Level = LogLevel.Information, Message = "DKIM: {Count} signatures, only the first {Limit} verified (Appliance:Dkim:MaxSignatures)")]
    private partial void LogTooManySignatures(int count, int limit);

    [LoggerMessage(EventId = 9113, Level = LogLevel.Debug, Message = "DKIM: malformed signature d={Domain} s={Selector}: {Detail}")]
    private partial void LogMalformed(string? domain, string? selector, string detail);

    [LoggerMessage(EventId = 9114, Level = LogLevel.Warning, Message = "DKIM: signature d={Domain} s={Selector} could not be processed")]
    private partial void LogUnexpected(string? domain, string? selector, Exception exception);
}
