// The appliance ships for linux-x64 only (Directory.Build.props); so do its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
// Several tests start the real host or set process environment variables for the command line.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
