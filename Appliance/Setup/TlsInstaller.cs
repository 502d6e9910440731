using Appliance.Protocols;
using Appliance.Storage;

namespace Appliance.Setup;

/// <summary>
/// Writes the certificate that <see cref="TlsCertificateStore"/> serves. Both files are written beside the
/// old ones first and then renamed, key before certificate; a crash between the renames is finished at the
/// next start (<see cref="RecoverInterruptedInstall"/>, called by the host before any listener reads them).
/// </summary>
public sealed class TlsInstaller(TlsCertificateStore store)
{
    /// <summary>Validates and writes a certificate and key, then serves them from the next handshake on.</summary>
    public void Install(string certificatePem, string privateKeyPem)
    {
        using var validated = TlsCertificateStore.Validate(certificatePem, privateKeyPem);
        FileSystem.WriteAtomically(store.KeyPath + ".new", System.Text.Encoding.ASCII.GetBytes(privateKeyPem), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        FileSystem.WriteAtomically(store.CertificatePath + ".new", System.Text.Encoding.ASCII.GetBytes(certificatePem));
        RecoverInterruptedInstall();
        store.Reload();
    }

    /// <summary>Completes an install whose renames a crash interrupted: the new pair wins, never a mixed one.</summary>
    public void RecoverInterruptedInstall()
    {
        var folder = Path.GetDirectoryName(store.CertificatePath)!;
        if (File.Exists(store.KeyPath + ".new"))
        {
            File.Move(store.KeyPath + ".new", store.KeyPath, overwrite: true);
        }
        if (File.Exists(store.CertificatePath + ".new"))
        {
            File.Move(store.CertificatePath + ".new", store.CertificatePath, overwrite: true);
        }
        if (Directory.Exists(folder))
        {
            FileSystem.SyncDirectory(folder);
        }
    }

    /// <summary>Removes installed files (the wizard undoes its own write when finishing fails).</summary>
    public void Uninstall()
    {
        File.Delete(store.CertificatePath);
        File.Delete(store.KeyPath);
        store.Reload();
    }
}
