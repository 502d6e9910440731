using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Appliance.Protocols;

/// <summary>Where the certificate lives: the folder that holds <c>cert.pem</c> and <c>key.pem</c> (set from the data folder by <c>AddSetup</c>).</summary>
public sealed class TlsOptions
{
    public string Directory { get; set; } = "";

    /// <summary>
    /// How long a client may take over a TLS handshake, on an implicit-TLS port or after STARTTLS/STLS; then it is
    /// dropped. Filled by <c>AddListeners</c> from <c>Appliance:Listeners:TlsHandshakeTimeout</c>.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = DefaultHandshakeTimeout;

    /// <summary>
    /// 10 s, Kestrel's own default: a real client finishes in well under a second, even over a slow link, and a
    /// connection that stalls there holds a descriptor and a connection slot for nothing.
    /// </summary>
    public static TimeSpan DefaultHandshakeTimeout { get; } = TimeSpan.FromSeconds(10);
}

/// <summary>Why a certificate was refused; <see cref="Key"/> names the console string, as setup's refusals do.</summary>
public sealed class TlsCertificateException(string key, params string[] arguments) : Exception(key)
{
    public string Key { get; } = key;
    public IReadOnlyList<string> Arguments { get; } = arguments;
}

/// <summary>
/// The server's TLS certificate as every listener and the wizard see it: <c>cert.pem</c> and <c>key.pem</c>
/// in <see cref="TlsOptions.Directory"/>, made by the wizard (self-signed) or uploaded. Until setup has
/// written one, listeners serve a throw-away self-signed certificate for <c>localhost</c> made in memory
/// at start, so the wizard works over HTTPS too. This class only reads the files; setup writes them
/// durably (<c>Setup/TlsInstaller</c>) and then calls <see cref="Reload"/>.
/// </summary>
public sealed class TlsCertificateStore : IDisposable
{
    private readonly string _certPath;
    private readonly string _keyPath;
    private readonly Lock _gate = new();
    private X509Certificate2? _current;
    private SslStreamCertificateContext? _context;

    public TlsCertificateStore(IOptions<TlsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        HandshakeTimeout = options.Value.HandshakeTimeout;
        _certPath = Path.Combine(options.Value.Directory, "cert.pem");
        _keyPath = Path.Combine(options.Value.Directory, "key.pem");
    }

    /// <summary>How long a client may take over the handshake with this certificate (<see cref="TlsOptions.HandshakeTimeout"/>).</summary>
    public TimeSpan HandshakeTimeout { get; }

    public string CertificatePath => _certPath;
    public string KeyPath => _keyPath;

    public bool HasInstalledCertificate => File.Exists(_certPath) && File.Exists(_keyPath);

    /// <summary>The certificate listeners present now.</summary>
    public X509Certificate2 Current
    {
        get
        {
            lock (_gate)
            {
                return _current ??= Load();
            }
        }
    }

    /// <summary>
    /// What listeners hand to <see cref="System.Net.Security.SslStream"/>: the certificate with the
    /// intermediates that followed it in the PEM file, so clients that do not fetch them still verify.
    /// </summary>
    public SslStreamCertificateContext Context
    {
        get
        {
            lock (_gate)
            {
                if (_context is null)
                {
                    var leaf = _current ??= Load();
                    var chain = new X509Certificate2Collection();
                    if (HasInstalledCertificate)
                    {
                        chain.ImportFromPem(File.ReadAllText(_certPath));
                        chain.RemoveAt(0);
                    }
                    _context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
                }
                return _context;
            }
        }
    }

    /// <summary>Serves the files as they are now from the next handshake on (after an install or removal).</summary>
    public void Reload()
    {
        lock (_gate)
        {
            _current?.Dispose();
            _current = null;
            _context = null;
        }
    }

    private X509Certificate2 Load()
    {
        return HasInstalledCertificate
            ? X509Certificate2.CreateFromPem(File.ReadAllText(_certPath), File.ReadAllText(_keyPath))
            : CreateEphemeral();
    }

    private static X509Certificate2 CreateEphemeral()
    {
        var (cert, key) = GenerateSelfSigned("localhost");
        return X509Certificate2.CreateFromPem(cert, key);
    }

    /// <summary>
    /// A self-signed RSA-2048 certificate valid for two years naming <paramref name="hostName"/>,
    /// <c>localhost</c> and 127.0.0.1, the names clients check (mbsync and curl verify the host name).
    /// RSA rather than ECDSA because older phones and Outlook versions still fail on EC-only servers.
    /// </summary>
    public static (string CertificatePem, string PrivateKeyPem) GenerateSelfSigned(string hostName)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={hostName}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        if (!string.Equals(hostName, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.AddDnsName("localhost");
        }
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(730));
        return (certificate.ExportCertificatePem(), rsa.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// Checks an uploaded pair: both parse, the key belongs to the certificate, and the certificate is
    /// valid now. Throws <see cref="TlsCertificateException"/> with the reason.
    /// </summary>
    public static X509Certificate2 Validate(string? certificatePem, string? privateKeyPem, string? hostName = null)
    {
        if (string.IsNullOrWhiteSpace(certificatePem) || !certificatePem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new TlsCertificateException("Tls.CertificateUnreadable");
        }
        if (string.IsNullOrWhiteSpace(privateKeyPem) || !privateKeyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new TlsCertificateException("Tls.KeyUnreadable");
        }
        X509Certificate2 publicOnly;
        try
        {
            publicOnly = X509Certificate2.CreateFromPem(certificatePem);
        }
        catch (CryptographicException)
        {
            throw new TlsCertificateException("Tls.CertificateUnreadable");
        }
        using (publicOnly)
        {
            var now = DateTime.UtcNow;
            if (publicOnly.NotAfter.ToUniversalTime() < now || publicOnly.NotBefore.ToUniversalTime() > now)
            {
                throw new TlsCertificateException("Tls.CertificateExpired", publicOnly.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        if (hostName is not null)
        {
            using var leaf = X509Certificate2.CreateFromPem(certificatePem);
            if (!leaf.MatchesHostname(hostName))
            {
                throw new TlsCertificateException("Tls.HostMismatch", hostName);
            }
        }
        try
        {
            return X509Certificate2.CreateFromPem(certificatePem, privateKeyPem);
        }
        catch (CryptographicException)
        {
            // Either the key does not parse or it is not the certificate's: tell which.
            if (!KeyParses(privateKeyPem))
            {
                throw new TlsCertificateException("Tls.KeyUnreadable");
            }
            throw new TlsCertificateException("Tls.KeyMismatch");
        }
        catch (ArgumentException)
        {
            throw new TlsCertificateException("Tls.KeyUnreadable");
        }
    }

    private static bool KeyParses(string pem)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
        }
        try
        {
            using var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return false;
        }
    }

    public void Dispose() => Reload();
}
