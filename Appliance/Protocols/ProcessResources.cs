using System.Globalization;

namespace Appliance.Protocols;

/// <summary>What the process holds now, read from <c>/proc/self</c> (the appliance runs on Linux only).</summary>
public static class ProcessResources
{
    /// <summary>The soft limit on open files (<c>RLIMIT_NOFILE</c>), or null where it cannot be read or is unlimited.</summary>
    public static long? FileDescriptorLimit()
    {
        try
        {
            return ParseOpenFilesLimit(File.ReadAllText("/proc/self/limits"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The soft limit from a <c>/proc/PID/limits</c> text: the line
    /// <c>Max open files            1024                 524288               files</c>.
    /// </summary>
    internal static long? ParseOpenFilesLimit(string limits)
    {
        foreach (var line in limits.Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                continue;
            }
            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
        }
        return null;
    }

    /// <summary>Descriptors open now, or null where <c>/proc/self/fd</c> cannot be listed.</summary>
    public static int? OpenFileDescriptors()
    {
        try
        {
            // The enumeration holds one descriptor of its own for the folder; it is not counted.
            return Math.Max(0, Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() - 1);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Resident memory now (VmRSS) and its peak since start (VmHWM), in bytes.</summary>
    public static (long? Resident, long? Peak) Memory()
    {
        try
        {
            var status = File.ReadAllText("/proc/self/status");
            return (StatusKilobytes(status, "VmRSS:") * 1024, StatusKilobytes(status, "VmHWM:") * 1024);
        }
        catch (IOException)
        {
            return (null, null);
        }
        catch (UnauthorizedAccessException)
        {
            return (null, null);
        }
    }

    /// <summary>A <c>/proc/PID/status</c> field in kB, such as <c>VmRSS:	   54168 kB</c>.</summary>
    internal static long? StatusKilobytes(string status, string field)
    {
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var fields = line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : null;
            }
        }
        return null;
    }
}
