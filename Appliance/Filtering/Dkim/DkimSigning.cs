using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Appliance.Filtering.Dkim;

/// <summary>A message after signing: its bytes with the DKIM-Signature fields on top, and the selectors that signed it (none when the domain has no key).</summary>
public sealed record DkimSigned(byte[] Message, IReadOnlyList<string> Selectors);

/// <summary>
/// Signs outgoing mail with the sending domain's active keys (<see cref="DkimKeyStore"/>), relaxed/relaxed (RFC 6376
/// §3.4: survives the re-folding and trailing-space changes relays make), over <see cref="DkimOptions.SignedHeaders"/>
/// with From oversigned. The fields are prepended to the message's own bytes, which are not re-serialized.
/// </summary>
public sealed partial class DkimSigning(DkimKeyStore keys, IOptions<DkimOptions> options, ILogger<DkimSigning> logger)
{
    /// <summary>
    /// The message (CRLF line ends, as the queue stores it) with one DKIM-Signature per active key of
    /// <paramref name="domain"/> prepended: Ed25519 and RSA (RFC 8463 §3). Unchanged when the domain has no key.
    /// </summary>
    public DkimSigned Sign(ReadOnlyMemory<byte> message, string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var active = keys.ActiveKeys(domain).OrderBy(k => k.Algorithm == DkimKeyAlgorithm.Rsa ? 1 : 0).ToArray();
        if (active.Length == 0)
        {
            return new(message.ToArray(), []);
        }
        var parsed = Parse(message);
        var fields = FieldsToSign(parsed);
        foreach (var key in active)
        {
            var signer = new DkimSigner(key.PrivateKey, key.Domain, key.Selector,
                key.Algorithm == DkimKeyAlgorithm.Rsa ? DkimSignatureAlgorithm.RsaSha256 : DkimSignatureAlgorithm.Ed25519Sha256)
            {
                HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            };
            signer.Sign(FormatOptions.Default, parsed, fields);
        }
        // DkimSigner inserts each field at the top: the first active.Length headers are ours, the last one signed on top.
        using var output = new MemoryStream(message.Length + 1024 * active.Length);
        for (var i = 0; i < active.Length; i++)
        {
            var header = parsed.Headers[i];
            output.Write(header.RawField);
            output.WriteByte((byte)':');
            output.Write(Crlf(header.RawValue));
        }
        output.Write(message.Span);
        var signed = output.ToArray();
        // MimeKit hashed its parsed view of the message. For well-formed MIME that is the bytes themselves; for MIME it
        // cannot round-trip byte for byte (MimeKit #499) the prepended fields would fail at the far end, so check them
        // here against our own keys and, if they fail, send MimeKit's serialization, which is what it signed.
        if (!VerifiesWith(signed, active))
        {
            LogSelfCheckFailed(domain);
            using var reserialized = new MemoryStream();
            parsed.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, reserialized);
            signed = reserialized.ToArray();
        }
        return new(signed, active.Select(k => k.Selector).ToArray());
    }

    /// <summary>The h= list: each configured field once per occurrence, and From once more (RFC 6376 §8.15: a From added above the signed one then breaks the signature).</summary>
    private List<string> FieldsToSign(MimeMessage message)
    {
        var fields = new List<string>();
        foreach (var name in options.Value.SignedHeaders)
        {
            // MimeKit keeps Content-* fields with the body entity; its signer looks for them there.
            var list = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? message.Body?.Headers : message.Headers;
            var count = list?.Count(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? 0;
            var isFrom = name.Equals("From", StringComparison.OrdinalIgnoreCase);
            for (var i = 0; i < count + (isFrom ? 1 : 0); i++)
            {
                fields.Add(name.ToLowerInvariant());
            }
        }
        return fields;
    }

    private static bool VerifiesWith(byte[] signed, IReadOnlyList<DkimKey> active)
    {
        var message = Parse(signed);
        var verifier = new DkimVerifier(new OwnKeys(active));
        var signatures = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(active.Count).ToArray();
        return signatures.Length == active.Count && signatures.All(h => verifier.Verify(FormatOptions.Default, message, h));
    }

    internal static MimeMessage Parse(ReadOnlyMemory<byte> message)
    {
        var stream = MemoryMarshal.TryGetArray(message, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(message.ToArray(), writable: false);
        using (stream)
        {
            return MimeMessage.Load(stream);
        }
    }

    /// <summary>A header value with every line end as CRLF (MimeKit folds with the platform's LF).</summary>
    private static byte[] Crlf(byte[] value)
    {
        var result = new List<byte>(value.Length + 8);
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

    /// <summary>The signing domain's own public keys, for the check after signing; no DNS involved.</summary>
    private sealed class OwnKeys(IReadOnlyList<DkimKey> keys) : IDkimPublicKeyLocator
    {
        public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            var key = keys.First(k => k.Selector == selector).PrivateKey;
            return key switch
            {
                Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters rsa => new Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent),
                Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters ed => ed.GeneratePublicKey(),
                _ => throw new InvalidOperationException("unknown key type"),
            };
        }

        public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "DKIM signatures for {Domain} did not verify over the message's own bytes (MIME that does not round-trip); sending the message as MimeKit writes it")]
    private partial void LogSelfCheckFailed(string domain);
}
