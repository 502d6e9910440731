using System.Diagnostics.CodeAnalysis;

namespace Appliance.Filtering.Scanning;

public enum VirusScanStatus
{
    Clean,
    /// <summary>clamd found a signature; <see cref="VirusScanResult.VirusName"/> names it.</summary>
    Infected,
    /// <summary>No verdict; <see cref="VirusScanResult.Failure"/> says why. Never to be taken as clean.</summary>
    Failed,
}

/// <summary>What clamd said of one message.</summary>
public sealed class VirusScanResult
{
    private VirusScanResult(VirusScanStatus status, string? virusName, ScanFailure? failure)
    {
        Status = status;
        VirusName = virusName;
        Failure = failure;
    }

    public VirusScanStatus Status { get; }

    /// <summary>The signature's name as clamd reports it (<c>Eicar-Test-Signature</c>; <c>.UNOFFICIAL</c> is added to local signatures).</summary>
    public string? VirusName { get; }

    public ScanFailure? Failure { get; }

    [MemberNotNullWhen(true, nameof(VirusName))]
    public bool IsInfected => Status == VirusScanStatus.Infected;

    [MemberNotNullWhen(true, nameof(Failure))]
    public bool IsFailed => Status == VirusScanStatus.Failed;

    public static VirusScanResult Clean { get; } = new(VirusScanStatus.Clean, null, null);

    public static VirusScanResult Infected(string virusName) =>
        new(VirusScanStatus.Infected, string.IsNullOrEmpty(virusName) ? throw new ArgumentException("a virus has a name", nameof(virusName)) : virusName, null);

    public static VirusScanResult Failed(ScanFailure failure) => new(VirusScanStatus.Failed, null, failure ?? throw new ArgumentNullException(nameof(failure)));

    public override string ToString() => Status switch
    {
        VirusScanStatus.Clean => "clean",
        VirusScanStatus.Infected => $"infected: {VirusName}",
        _ => $"{Failure!.Kind}: {Failure.Detail}",
    };
}
