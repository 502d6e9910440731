namespace Appliance.Storage;

/// <summary>Where the appliance keeps its data: one folder holding the database, blobs, TLS files and backups.</summary>
public sealed class StorageOptions
{
    public const string Section = "Appliance";

    /// <summary>
    /// The data folder. Default "data", relative to the working directory, so that the README's
    /// run command keeps everything beside the checkout; the installed appliance sets /var/lib/appliance.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Milliseconds a writer waits for SQLite's lock before failing (busy_timeout). Default 5000.</summary>
    public int BusyTimeoutMilliseconds { get; set; } = 5000;

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
    public string DatabasePath => Path.Combine(FullDataDirectory, "appliance.db");
    public string BlobDirectory => Path.Combine(FullDataDirectory, "blobs");
    public string TlsDirectory => Path.Combine(FullDataDirectory, "tls");
}
