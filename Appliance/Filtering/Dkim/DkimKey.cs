using Org.BouncyCastle.Crypto;

namespace Appliance.Filtering.Dkim;

/// <summary>The two signing algorithms a domain gets a key for: RSA for every verifier, Ed25519 (RFC 8463) beside it.</summary>
public enum DkimKeyAlgorithm
{
    Rsa,
    Ed25519,
}

/// <summary>One domain's signing key with its selector. Active keys sign; a retired key only keeps its DNS record for the grace period.</summary>
public sealed class DkimKey
{
    internal DkimKey(string domain, string selector, DkimKeyAlgorithm algorithm, DateTimeOffset createdAt, DateTimeOffset? retiredAt,
        AsymmetricKeyParameter privateKey, string publicKey)
    {
        Domain = domain;
        Selector = selector;
        Algorithm = algorithm;
        CreatedAt = createdAt;
        RetiredAt = retiredAt;
        PrivateKey = privateKey;
        PublicKey = publicKey;
    }

    /// <summary>The signing domain (d=), lower-case A-labels.</summary>
    public string Domain { get; }

    /// <summary>The selector (s=), named by algorithm and month: see <see cref="DkimKeyStore"/>.</summary>
    public string Selector { get; }

    public DkimKeyAlgorithm Algorithm { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>When a rotation replaced this key; null while it signs.</summary>
    public DateTimeOffset? RetiredAt { get; }

    public bool IsActive => RetiredAt is null;

    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>The p= value: base64 of the SubjectPublicKeyInfo (RSA, RFC 6376 §3.6.1) or of the 32 raw bytes (Ed25519, RFC 8463 §4).</summary>
    public string PublicKey { get; }

    /// <summary>Where the record is published: <c>selector._domainkey.domain</c> (RFC 6376 §3.6.2.1).</summary>
    public string RecordName => $"{Selector}._domainkey.{Domain}";

    /// <summary>The TXT record to publish at <see cref="RecordName"/>.</summary>
    public string TxtRecord => $"v=DKIM1; k={(Algorithm == DkimKeyAlgorithm.Rsa ? "rsa" : "ed25519")}; p={PublicKey}";
}
