using Appliance.Mail;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.Extensions.Options;

namespace Appliance.Hosting;

/// <summary>The data folder and the disk it lives on. <see cref="FolderBytes"/> is null until it was first measured.</summary>
public sealed record DiskUse(string Folder, long? FolderBytes, long FreeBytes, long TotalBytes);

/// <summary>The certificate the listeners present.</summary>
/// <param name="Installed">False: no certificate is installed and the listeners make up a temporary self-signed one.</param>
public sealed record CertificateStatus(string Subject, DateTimeOffset NotAfter, bool SelfSigned, bool Installed)
{
    /// <summary>Clients start to warn and Let's Encrypt renews 30 days before the end: the dashboard warns from then on.</summary>
    public static readonly TimeSpan WarnBefore = TimeSpan.FromDays(30);
}

/// <summary>Everything the administrator's dashboard shows, read at one moment.</summary>
public sealed record ServerHealthSnapshot(
    ServerStatusSnapshot Status,
    QueueSummary Queue,
    DiskUse Disk,
    CertificateStatus Certificate,
    IReadOnlyList<LoggedError> Errors,
    DateTimeOffset At);

/// <summary>
/// The server's health for the dashboard: listeners and their connections (<see cref="ServerStatus"/>), the queue,
/// the disk, the certificate's expiry and the last errors logged.
/// </summary>
public sealed class ServerHealth(ServerStatus status, OutboundQueue queue, TlsCertificateStore certificates, IOptions<StorageOptions> storage,
    RecentErrors errors, TimeProvider time)
{
    /// <summary>How many of the last errors the dashboard lists.</summary>
    public const int ErrorsShown = 10;

    /// <summary>
    /// Adding up the data folder walks every blob file (100,000 messages are as many files): done at most this
    /// often, in the background, and the last figure shown meanwhile.
    /// </summary>
    public static readonly TimeSpan FolderSizeAge = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private long? _folderBytes;
    private DateTimeOffset _measuredAt = DateTimeOffset.MinValue;
    private Task? _measuring;

    public async Task<ServerHealthSnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        return new ServerHealthSnapshot(status.Read(), await queue.SummaryAsync(cancellationToken).ConfigureAwait(false), Disk(now), Certificate(),
            errors.Latest(ErrorsShown), now);
    }

    private DiskUse Disk(DateTimeOffset now)
    {
        var folder = storage.Value.FullDataDirectory;
        var drive = new DriveInfo(folder);
        lock (_gate)
        {
            if (_measuring is null && now - _measuredAt > FolderSizeAge)
            {
                _measuredAt = now;
                _measuring = Task.Run(() => Measure(folder));
            }
            return new DiskUse(folder, _folderBytes, drive.AvailableFreeSpace, drive.TotalSize);
        }
    }

    private void Measure(string folder)
    {
        long? total = null;
        try
        {
            // FileInfo from an enumeration carries its length already: no second look at each file.
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
            total = new DirectoryInfo(folder).EnumerateFiles("*", options).Sum(f => f.Length);
        }
        finally
        {
            lock (_gate)
            {
                _folderBytes = total ?? _folderBytes;
                _measuring = null;
            }
        }
    }

    private CertificateStatus Certificate()
    {
        var certificate = certificates.Current;
        return new CertificateStatus(certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero), certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData),
            certificates.HasInstalledCertificate);
    }
}
