using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Appliance.Dns;
using Appliance.Storage;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Appliance.Filtering.Dkim;

/// <summary>
/// Per-domain DKIM keys under the data folder's <c>dkim/</c> (DESIGN.md "Data"): <c>dkim/&lt;domain&gt;/keys.json</c>
/// lists the keys, and each private key is a PKCS#8 PEM file <c>dkim/&lt;domain&gt;/&lt;selector&gt;.pem</c>, mode 0600
/// in a 0700 folder, as the TLS key is kept.
/// </summary>
/// <remarks>
/// <para>A domain has one active RSA 2048 key and one active Ed25519 key; mail is signed with both (RFC 8463 §3:
/// Ed25519 alone would be ignored by verifiers that do not know it).</para>
/// <para>Selectors are named by algorithm and month, <c>rsa-2026-12</c> and <c>ed25519-2026-12</c>, with <c>-2</c>,
/// <c>-3</c>… for a second rotation in the same month: the name tells an administrator reading DNS how old a record is,
/// and which record belongs to which key.</para>
/// <para><see cref="Rotate"/> writes the new keys, then the list that makes them active (the commit point: a crash
/// before it leaves the old keys in force and an unlisted file that the next rotation overwrites). The old keys stay
/// listed as retired for <see cref="DkimOptions.RotationGraceDays"/>, so their records can stay published while mail
/// signed with them is still on its way.</para>
/// </remarks>
public sealed class DkimKeyStore(IOptions<StorageOptions> storage, IOptions<DkimOptions> options, TimeProvider time)
{
    public const int RsaKeyBits = 2048;
    private const string ManifestName = "keys.json";
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, IReadOnlyList<DkimKey>> _cache = new(StringComparer.Ordinal);

    public string Directory => Path.Combine(storage.Value.FullDataDirectory, "dkim");

    private TimeSpan Grace => TimeSpan.FromDays(options.Value.RotationGraceDays);

    /// <summary>The domain as the store names it (lower-case A-labels), or false when it is not a DNS name, which also keeps paths inside <see cref="Directory"/>.</summary>
    public static bool TryNormalizeDomain(string domain, out string normalized)
    {
        ArgumentNullException.ThrowIfNull(domain);
        normalized = "";
        if (!DnsName.TryNormalize(domain, out var ascii))
        {
            return false;
        }
        ascii = ascii.ToLowerInvariant();
        if (!ascii.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_') || ascii.StartsWith('.'))
        {
            return false;
        }
        normalized = ascii;
        return true;
    }

    /// <summary>The domain's keys, active first, then retired ones still within the grace period, newest first.</summary>
    public IReadOnlyList<DkimKey> Keys(string domain)
    {
        var name = Normalize(domain);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return Load(name).Where(k => k.RetiredAt is not { } retired || retired + Grace > now)
                .OrderBy(k => k.IsActive ? 0 : 1).ThenByDescending(k => k.CreatedAt).ToArray();
        }
    }

    /// <summary>The keys that sign the domain's mail now (none until <see cref="Rotate"/> or <see cref="EnsureKeys"/>).</summary>
    public IReadOnlyList<DkimKey> ActiveKeys(string domain) => Keys(domain).Where(k => k.IsActive).ToArray();

    /// <summary>The active keys, generated first if the domain has none.</summary>
    public IReadOnlyList<DkimKey> EnsureKeys(string domain)
    {
        var active = ActiveKeys(domain);
        return active.Count > 0 ? active : Rotate(domain);
    }

    /// <summary>
    /// A new key for each algorithm the domain signs with (RSA and Ed25519 when it has none) becomes active; the keys
    /// they replace are kept, retired, for the grace period; retired keys past it are deleted. Returns the new keys.
    /// </summary>
    public IReadOnlyList<DkimKey> Rotate(string domain)
    {
        var name = Normalize(domain);
        lock (_gate)
        {
            // A domain that signs with one algorithm only (the administrator generated just that) keeps doing so.
            var active = Load(name).Where(k => k.IsActive).Select(k => k.Algorithm).Distinct().ToArray();
            return Replace(name, active.Length == 0 ? [DkimKeyAlgorithm.Rsa, DkimKeyAlgorithm.Ed25519] : active);
        }
    }

    /// <summary>A new key of <paramref name="algorithm"/> becomes active; the active key of that algorithm it replaces is retired, the other algorithm's stays.</summary>
    public DkimKey Generate(string domain, DkimKeyAlgorithm algorithm)
    {
        var name = Normalize(domain);
        lock (_gate)
        {
            return Replace(name, [algorithm])[0];
        }
    }

    /// <summary>Writes a new active key per algorithm and retires the active keys of those algorithms (under the gate).</summary>
    private IReadOnlyList<DkimKey> Replace(string name, IReadOnlyList<DkimKeyAlgorithm> algorithms)
    {
        var now = time.GetUtcNow();
        {
            var existing = Load(name);
            var folder = FolderOf(name);
            System.IO.Directory.CreateDirectory(Directory, PrivateFolder);
            System.IO.Directory.CreateDirectory(folder, PrivateFolder);
            var taken = existing.Select(k => k.Selector).ToHashSet(StringComparer.Ordinal);
            var fresh = new List<DkimKey>();
            foreach (var algorithm in algorithms)
            {
                var selector = NewSelector(algorithm, now, taken);
                taken.Add(selector);
                var (pem, privateKey, publicKey) = Generate(algorithm);
                FileSystem.WriteAtomically(Path.Combine(folder, selector + ".pem"), System.Text.Encoding.ASCII.GetBytes(pem), PrivateFile);
                fresh.Add(new DkimKey(name, selector, algorithm, now, null, privateKey, publicKey));
            }
            var kept = existing.Where(k => k.RetiredAt is not { } retired || retired + Grace > now)
                .Select(k => k.IsActive && algorithms.Contains(k.Algorithm) ? new DkimKey(k.Domain, k.Selector, k.Algorithm, k.CreatedAt, now, k.PrivateKey, k.PublicKey) : k)
                .ToList();
            var all = fresh.Concat(kept).ToArray();
            var manifest = all.Select(k => new ManifestEntry(k.Selector, k.Algorithm, k.CreatedAt, k.RetiredAt)).ToArray();
            FileSystem.WriteAtomically(Path.Combine(folder, ManifestName), JsonSerializer.SerializeToUtf8Bytes(manifest, s_json), PrivateFile);
            _cache[name] = all;
            foreach (var purged in existing.Where(k => !all.Any(a => a.Selector == k.Selector)))
            {
                File.Delete(Path.Combine(folder, purged.Selector + ".pem"));
            }
            return fresh;
        }
    }

    private static string NewSelector(DkimKeyAlgorithm algorithm, DateTimeOffset now, HashSet<string> taken)
    {
        var stem = string.Create(CultureInfo.InvariantCulture, $"{(algorithm == DkimKeyAlgorithm.Rsa ? "rsa" : "ed25519")}-{now.UtcDateTime:yyyy-MM}");
        var selector = stem;
        for (var n = 2; taken.Contains(selector); n++)
        {
            selector = string.Create(CultureInfo.InvariantCulture, $"{stem}-{n}");
        }
        return selector;
    }

    private static (string Pem, AsymmetricKeyParameter PrivateKey, string PublicKey) Generate(DkimKeyAlgorithm algorithm)
    {
        byte[] pkcs8;
        if (algorithm == DkimKeyAlgorithm.Rsa)
        {
            // The platform's RSA (OpenSSL) generates a 2048-bit key in milliseconds; BouncyCastle takes far longer.
            using var rsa = RSA.Create(RsaKeyBits);
            pkcs8 = rsa.ExportPkcs8PrivateKey();
        }
        else
        {
            var generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
            pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(generator.GenerateKeyPair().Private).GetEncoded();
        }
        var privateKey = PrivateKeyFactory.CreateKey(pkcs8);
        return (new string(PemEncoding.Write("PRIVATE KEY", pkcs8)) + "\n", privateKey, PublicKeyOf(privateKey));
    }

    private static string PublicKeyOf(AsymmetricKeyParameter privateKey) => privateKey switch
    {
        RsaPrivateCrtKeyParameters rsa => Convert.ToBase64String(
            SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent)).GetEncoded()),
        Ed25519PrivateKeyParameters ed => Convert.ToBase64String(ed.GeneratePublicKey().GetEncoded()),
        _ => throw new InvalidDataException($"A DKIM key file holds a {privateKey.GetType().Name}, not an RSA or Ed25519 key."),
    };

    private string Normalize(string domain) =>
        TryNormalizeDomain(domain, out var name) ? name : throw new ArgumentException($"'{domain}' is not a domain name.", nameof(domain));

    private string FolderOf(string domain) => Path.Combine(Directory, domain);

    /// <summary>The listed keys with their private keys, from the cache or from disk (under the gate).</summary>
    private IReadOnlyList<DkimKey> Load(string domain)
    {
        if (_cache.TryGetValue(domain, out var cached))
        {
            return cached;
        }
        var folder = FolderOf(domain);
        var manifestPath = Path.Combine(folder, ManifestName);
        if (!File.Exists(manifestPath))
        {
            return _cache[domain] = [];
        }
        var entries = JsonSerializer.Deserialize<ManifestEntry[]>(File.ReadAllBytes(manifestPath), s_json)
            ?? throw new InvalidDataException($"{manifestPath} is empty.");
        var keys = new List<DkimKey>();
        foreach (var entry in entries)
        {
            var pemPath = Path.Combine(folder, entry.Selector + ".pem");
            var pem = File.ReadAllText(pemPath);
            var fields = PemEncoding.Find(pem);
            var privateKey = PrivateKeyFactory.CreateKey(Convert.FromBase64String(pem[fields.Base64Data]));
            keys.Add(new DkimKey(domain, entry.Selector, entry.Algorithm, entry.CreatedAt, entry.RetiredAt, privateKey, PublicKeyOf(privateKey)));
        }
        return _cache[domain] = keys;
    }

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private sealed record ManifestEntry(string Selector, DkimKeyAlgorithm Algorithm, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt);
}
