// Appliance runs on Linux only (its assembly says so); so does its benchmark.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
