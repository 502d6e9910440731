using Appliance.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Appliance.Filtering.Dkim;

/// <summary>Result values for the <c>arc</c> method (RFC 8617 §2.2: none, pass, fail).</summary>
public enum ArcResult
{
    None,
    Pass,
    Fail,
}

/// <summary>What the message's ARC chain came to. <paramref name="Temporary"/>: it failed only because a key could not be looked up in time.</summary>
public sealed record ArcVerificationResult(ArcResult Result, int Instances, string? Reason, bool Temporary)
{
    public string ToAuthenticationResults() =>
        $"arc={Result.ToString().ToLowerInvariant()}{(Reason is null ? "" : $" ({Reason})")}";
}

/// <summary>
/// Verifies the ARC chain of a forwarded message (RFC 8617 §5.2) with MimeKit's <see cref="ArcVerifier"/> and the
/// same DNS key lookup and limits as DKIM, so that mail passed on by a list can be judged on the first hop's results.
/// </summary>
public sealed partial class ArcVerification(IDnsResolver resolver, IOptions<DkimOptions> options, TimeProvider time, ILogger<ArcVerification> logger)
{
    /// <summary>RFC 8617 §4.2.1: a chain of more than 50 instances is a fail, unchecked.</summary>
    public const int MaxInstances = 50;

    public async Task<ArcVerificationResult> VerifyAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        MimeMessage parsed;
        try
        {
            parsed = DkimSigning.Parse(message);
        }
        catch (FormatException)
        {
            return Unparsable;
        }
        return await VerifyAsync(parsed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The result for a message MimeKit could not parse.</summary>
    public static ArcVerificationResult Unparsable { get; } = new(ArcResult.Fail, 0, "message could not be parsed", false);

    /// <summary>The same for a message already parsed; the verifier only reads it.</summary>
    public async Task<ArcVerificationResult> VerifyAsync(MimeMessage parsed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var instances = parsed.Headers.Count(h => h.Id == HeaderId.ArcSeal);
        if (instances == 0)
        {
            return new(ArcResult.None, 0, null, false);
        }
        if (instances > MaxInstances)
        {
            return new(ArcResult.Fail, instances, "more than 50 ARC sets", false);
        }
        var locator = new RecordingLocator(new DnsDkimPublicKeyLocator(resolver, options));
        var verifier = new ArcVerifier(locator) { MinimumRsaKeyLength = options.Value.MinRsaKeyBits };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.VerificationTimeoutSeconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var result = await verifier.VerifyAsync(FormatOptions.Default, parsed, linked.Token);
            return result.Chain switch
            {
                ArcSignatureValidationResult.Pass => new(ArcResult.Pass, instances, null, false),
                ArcSignatureValidationResult.None => new(ArcResult.None, instances, null, false),
                _ => new(ArcResult.Fail, instances, locator.Failure?.Message ?? Describe(result.ChainErrors), locator.Failure?.Temporary ?? false),
            };
        }
        catch (DkimKeyException e)
        {
            return new(ArcResult.Fail, instances, e.Message, e.Temporary);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(ArcResult.Fail, instances, "verification timed out", true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // As in DkimVerification: hostile ARC fields must not fail the delivery, only the chain.
            LogUnexpected(e);
            return new(ArcResult.Fail, instances, "chain could not be processed", false);
        }
    }

    private static string Describe(ArcValidationErrors errors) =>
        errors == ArcValidationErrors.None ? "chain did not verify" : errors.ToString().Replace(", ", " ", StringComparison.Ordinal);

    /// <summary>Keeps the last lookup failure: MimeKit turns a thrown lookup into a plain fail, which would hide a DNS timeout.</summary>
    private sealed class RecordingLocator(DnsDkimPublicKeyLocator inner) : IDkimPublicKeyLocator
    {
        public DkimKeyException? Failure { get; private set; }

        public Org.BouncyCastle.Crypto.AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            inner.LocatePublicKey(methods, domain, selector, cancellationToken);

        public async Task<Org.BouncyCastle.Crypto.AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.LocatePublicKeyAsync(methods, domain, selector, cancellationToken);
            }
            catch (DkimKeyException e)
            {
                Failure = e;
                throw;
            }
        }
    }

    [LoggerMessage(EventId = 9121, Level = LogLevel.Warning, Message = "ARC: chain could not be processed")]
    private partial void LogUnexpected(Exception exception);
}
