using System.Runtime.InteropServices;

namespace Appliance.Storage;

/// <summary>Durability helpers .NET lacks: a rename is only durable once its folder is fsynced (POSIX).</summary>
internal static partial class FileSystem
{
    private const int O_RDONLY = 0;
    private const int O_DIRECTORY = 0x10000;

    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var fd = Open(path, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder {path} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of folder {path} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Writes a file so that readers see either the old content or the whole new content.</summary>
    /// <param name="mode">The file's permissions from the moment it exists (a key is never readable by others, even briefly).</param>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            SyncDirectory(folder);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
