namespace Appliance.Storage;

/// <summary>Keys of the <c>settings</c> table.</summary>
public static class SettingKeys
{
    public const string HostName = "server.hostname";
    public const string Language = "server.language";
    public const string PrimaryDomain = "server.primary_domain";
    /// <summary>Present once the first-run wizard has finished; its insert is what makes a second setup fail.</summary>
    public const string SetupCompleted = "setup.completed";
    /// <summary>Key (base64) from which SCRAM's stand-in salts for unknown addresses are derived, so they stay the same across restarts.</summary>
    public const string ScramDecoySecret = "security.scram_decoy_secret";
    /// <summary>Key (base64) of the Sender Rewriting Scheme's hashes, made on first use unless <c>Appliance:SieveDelivery:SrsSecret</c> gives one.</summary>
    public const string SrsSecret = "mail.srs_secret";
}
