using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Appliance.Filtering.Dkim;

/// <summary>Why a key record could not be used; each is a permerror (RFC 6376 §6.1.2, RFC 8601 §2.7.1).</summary>
public sealed class DkimKeyException(string reason, bool temporary = false) : Exception(reason)
{
    /// <summary>A DNS failure that may pass (temperror); otherwise the record itself is at fault (permerror).</summary>
    public bool Temporary { get; } = temporary;
}

/// <summary>A DKIM key record (RFC 6376 §3.6.1; RFC 8463 for ed25519), parsed and checked against the limits.</summary>
public sealed record DkimPublicKeyRecord(string KeyType, AsymmetricKeyParameter Key, int Bits, bool Testing)
{
    /// <summary>Parses one TXT record, or throws <see cref="DkimKeyException"/> (permanent) saying what is wrong with it.</summary>
    public static DkimPublicKeyRecord Parse(string txt, DkimOptions options)
    {
        ArgumentNullException.ThrowIfNull(txt);
        ArgumentNullException.ThrowIfNull(options);
        if (!DkimTagList.TryParse(txt, out var tags))
        {
            throw new DkimKeyException("key record syntax error");
        }
        if (tags.TryGetValue("v", out var v) && v != "DKIM1")
        {
            throw new DkimKeyException($"key record version is not DKIM1");
        }
        // §3.6.1 h=: the hash algorithms the key may be used with; every algorithm we verify uses SHA-256.
        if (tags.TryGetValue("h", out var h) && !h.Split(':').Contains("sha256", StringComparer.OrdinalIgnoreCase))
        {
            throw new DkimKeyException("key record does not allow sha256");
        }
        // §3.6.1 s=: service types; "*" or "email" lets it sign mail.
        if (tags.TryGetValue("s", out var s) && !s.Split(':').Any(t => t is "*" || t.Equals("email", StringComparison.OrdinalIgnoreCase)))
        {
            throw new DkimKeyException("key record is not for email");
        }
        if (!tags.TryGetValue("p", out var p))
        {
            throw new DkimKeyException("key record has no p=");
        }
        if (p.Length == 0)
        {
            // §3.6.1: "An empty value means that this public key has been revoked."
            throw new DkimKeyException("key revoked");
        }
        byte[] data;
        try
        {
            data = Convert.FromBase64String(p);
        }
        catch (FormatException)
        {
            throw new DkimKeyException("key is not base64");
        }
        var testing = tags.TryGetValue("t", out var t) && t.Split(':').Contains("y", StringComparer.OrdinalIgnoreCase);
        var keyType = tags.TryGetValue("k", out var k) ? k.ToLowerInvariant() : "rsa";
        return keyType switch
        {
            "rsa" => Rsa(data, options, testing),
            "ed25519" => data.Length == Ed25519PublicKeyParameters.KeySize
                ? new DkimPublicKeyRecord("ed25519", new Ed25519PublicKeyParameters(data), 256, testing)
                : throw new DkimKeyException("ed25519 key is not 32 bytes"),
            _ => throw new DkimKeyException("unknown key type"),
        };
    }

    private static DkimPublicKeyRecord Rsa(byte[] data, DkimOptions options, bool testing)
    {
        // A key larger than the limit is refused before the big-number parse; the DER of an n-bit key is a little over n/8 bytes.
        if (data.Length > options.MaxRsaKeyBits / 8 + 64)
        {
            throw new DkimKeyException("RSA key too large");
        }
        RsaKeyParameters key;
        try
        {
            // SubjectPublicKeyInfo, as every signer publishes it (openssl rsa -pubout); a bare RSAPublicKey
            // (RFC 3447) is also met in the wild and accepted, as dkimpy and OpenDKIM do.
            var asn1 = Asn1Object.FromByteArray(data);
            key = asn1 is Asn1Sequence { Count: 2 } sequence && sequence[0] is DerInteger
                ? new RsaKeyParameters(false, RsaPublicKeyStructure.GetInstance(sequence).Modulus, RsaPublicKeyStructure.GetInstance(sequence).PublicExponent)
                : PublicKeyFactory.CreateKey(SubjectPublicKeyInfo.GetInstance(asn1)) as RsaKeyParameters
                    ?? throw new DkimKeyException("k=rsa but not an RSA key");
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or InvalidOperationException or SecurityUtilityException)
        {
            throw new DkimKeyException("RSA key is not DER");
        }
        var bits = key.Modulus.BitLength;
        if (bits < options.MinRsaKeyBits)
        {
            throw new DkimKeyException($"RSA key of {bits} bits is below {options.MinRsaKeyBits}");
        }
        if (bits > options.MaxRsaKeyBits)
        {
            throw new DkimKeyException($"RSA key of {bits} bits is above {options.MaxRsaKeyBits}");
        }
        // Real keys use 65537 (or 3); a huge exponent would make every verification as slow as signing.
        if (key.Exponent.BitLength > 64)
        {
            throw new DkimKeyException("RSA public exponent is unreasonably large");
        }
        return new DkimPublicKeyRecord("rsa", key, bits, testing);
    }
}
