using Appliance.Mailstore;
using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Cryptography;

namespace Appliance.Filtering.Dkim;

/// <summary>A message after sealing: its bytes with our ARC set on top, the instance we added (0: none added) and the cv= we gave.</summary>
public sealed record ArcSealed(byte[] Message, int Instance, string ChainValidation);

/// <summary>
/// Adds our ARC set (RFC 8617 §5.1) to a message we pass on (a redirect, a forward): ARC-Authentication-Results with
/// the results of our own Authentication-Results field, ARC-Message-Signature over the message, and ARC-Seal with
/// cv= from <see cref="ArcVerification"/> of the chain it came with, signed with the domain's active RSA key (RSA only:
/// RFC 8617 §5.1 names rsa-sha256 as the algorithm, and dkimpy and most verifiers know no other for ARC).
/// </summary>
public sealed partial class ArcSealing(DkimKeyStore keys, ArcVerification verification, TimeProvider time, ILogger<ArcSealing> logger)
{
    /// <summary>Header fields the ARC-Message-Signature covers when present (From is required, §4.1.2).</summary>
    private static readonly string[] SignedFields = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "In-Reply-To", "References", "MIME-Version", "Content-Type"];

    /// <summary>
    /// The message with our ARC set prepended, sealed as <paramref name="domain"/>; <paramref name="authServId"/> is the
    /// authserv-id of the Authentication-Results field we added at the door (our host name). Unchanged, with instance 0,
    /// when the domain has no active RSA key, the latest seal already says cv=fail (§5.1.2: nothing after a failed
    /// chain is trusted, MimeKit seals no further), or the chain has reached 50 sets (§4.2.1).
    /// </summary>
    public async Task<ArcSealed> SealAsync(byte[] message, string domain, string authServId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(authServId);
        var key = keys.ActiveKeys(domain).FirstOrDefault(k => k.Algorithm == DkimKeyAlgorithm.Rsa);
        if (key is null)
        {
            return new(message, 0, "none");
        }
        var chain = await verification.VerifyAsync(message, cancellationToken).ConfigureAwait(false);
        if (chain.Instances >= ArcVerification.MaxInstances)
        {
            return new(message, 0, "fail");
        }
        var cv = chain.Result switch
        {
            ArcResult.Pass => "pass",
            ArcResult.Fail => "fail",
            _ => "none",
        };
        MimeMessage parsed;
        try
        {
            parsed = MessageLoader.ForMimeKit(message);
        }
        catch (FormatException)
        {
            return new(message, 0, cv);
        }
        var before = parsed.Headers.Count;
        var signer = new Signer(key, authServId, OurResults(parsed, authServId), cv, time)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        var fields = SignedFields.Where(f => parsed.Headers.Contains(f) || (f.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && parsed.Body?.Headers.Contains(f) == true))
            .Select(f => f.ToLowerInvariant()).ToList();
        await signer.SignAsync(FormatOptions.Default, parsed, fields, cancellationToken).ConfigureAwait(false);
        var added = parsed.Headers.Count - before;
        if (added != 3)
        {
            // MimeKit declined (a chain whose latest seal says cv=fail): pass the message on as it came.
            LogNotSealed(domain, chain.Instances);
            return new(message, 0, cv);
        }
        // The three fields are at the top (Seal, Message-Signature, Authentication-Results); the rest is the message's own bytes.
        using var output = new MemoryStream(message.Length + 4096);
        for (var i = 0; i < added; i++)
        {
            var header = parsed.Headers[i];
            output.Write(header.RawField);
            output.WriteByte((byte)':');
            output.Write(CrlfValue(header.RawValue));
        }
        output.Write(message);
        return new(output.ToArray(), chain.Instances + 1, cv);
    }

    /// <summary>The resinfo of our own (topmost, with our authserv-id) Authentication-Results field; none when we added none.</summary>
    private static List<AuthenticationMethodResult> OurResults(MimeMessage message, string authServId)
    {
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.AuthenticationResults))
        {
            if (AuthenticationResults.TryParse(header.RawValue, out var results)
                && string.Equals(results.AuthenticationServiceIdentifier, authServId, StringComparison.OrdinalIgnoreCase))
            {
                return results.Results.Where(r => !r.Method.Equals("arc", StringComparison.OrdinalIgnoreCase)).ToList();
            }
        }
        return [];
    }

    private static byte[] CrlfValue(byte[] value)
    {
        var result = new List<byte>(value.Length + 16);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
            {
                result.Add((byte)'\r');
            }
            result.Add(value[i]);
        }
        return [.. result];
    }

    /// <summary>MimeKit's ARC signer with our results, the cv= we determined (as an arc= result, which MimeKit copies into the seal) and our clock.</summary>
    private sealed class Signer(DkimKey key, string authServId, List<AuthenticationMethodResult> results, string cv, TimeProvider time)
        : ArcSigner(key.PrivateKey, key.Domain, key.Selector, DkimSignatureAlgorithm.RsaSha256)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
        {
            var aar = new AuthenticationResults(authServId);
            foreach (var result in results)
            {
                aar.Results.Add(result);
            }
            aar.Results.Add(new AuthenticationMethodResult("arc", cv));
            return aar;
        }

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));

        protected override long GetTimestamp() => time.GetUtcNow().ToUnixTimeSeconds();
    }

    [LoggerMessage(EventId = 9131, Level = LogLevel.Information, Message = "ARC: {Domain} did not seal a message whose chain of {Instances} sets had already failed")]
    private partial void LogNotSealed(string domain, int instances);
}
