// The appliance ships self-contained for linux-x64 only (Directory.Build.props): file modes, fsync of folders.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
