using Appliance.Filtering.Dkim;
using Appliance.Storage;
using Appliance.Tests.Accounts;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Dkim;

public sealed class DkimKeyStoreTests
{
    private static readonly DateTimeOffset December = new(2026, 12, 3, 17, 0, 0, TimeSpan.Zero);

    private static DkimKeyStore Store(string folder, TimeProvider time, DkimOptions? options = null) =>
        new(Options.Create(new StorageOptions { DataDirectory = folder }), Options.Create(options ?? new DkimOptions()), time);

    [Fact]
    public void A_domain_gets_an_rsa_2048_and_an_ed25519_key_named_by_month_with_records_to_publish()
    {
        using var folder = new TempDirectory();
        var keys = Store(folder.Path, new ManualClock(December)).Rotate("Example.COM");

        Assert.Equal(["rsa-2026-12", "ed25519-2026-12"], keys.Select(k => k.Selector));
        var rsa = DkimPublicKeyRecord.Parse(keys[0].TxtRecord, new DkimOptions());
        Assert.Equal(("rsa", 2048), (rsa.KeyType, rsa.Bits));
        Assert.StartsWith("v=DKIM1; k=rsa; p=MII", keys[0].TxtRecord, StringComparison.Ordinal);
        Assert.Equal("ed25519", DkimPublicKeyRecord.Parse(keys[1].TxtRecord, new DkimOptions()).KeyType);
        Assert.Matches("^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$", keys[1].TxtRecord);
        Assert.Equal("rsa-2026-12._domainkey.example.com", keys[0].RecordName);
    }

    [Fact]
    public void Private_keys_are_files_only_the_owner_can_read()
    {
        using var folder = new TempDirectory();
        Store(folder.Path, new ManualClock(December)).Rotate("example.com");
        var domainFolder = Path.Combine(folder.Path, "dkim", "example.com");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(domainFolder));
        var pems = Directory.GetFiles(domainFolder, "*.pem");
        Assert.Equal(2, pems.Length);
        Assert.All(pems, p => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(p)));
        Assert.All(pems, p => Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(p), StringComparison.Ordinal));
    }

    [Fact]
    public void Rotation_activates_new_keys_and_keeps_the_old_records_for_the_grace_period_then_deletes_them()
    {
        using var folder = new TempDirectory();
        var clock = new ManualClock(December);
        var store = Store(folder.Path, clock, new DkimOptions { RotationGraceDays = 30 });
        var first = store.Rotate("example.com");
        clock.Advance(TimeSpan.FromDays(2));
        var second = store.Rotate("example.com");

        Assert.Equal(["rsa-2026-12-2", "ed25519-2026-12-2"], second.Select(k => k.Selector));
        Assert.Equal(second.Select(k => k.Selector), store.ActiveKeys("example.com").Select(k => k.Selector));
        var kept = store.Keys("example.com");
        Assert.Equal(4, kept.Count);
        Assert.All(kept.Where(k => first.Any(f => f.Selector == k.Selector)), k => Assert.Equal(clock.GetUtcNow(), k.RetiredAt));

        clock.Advance(TimeSpan.FromDays(31));
        Assert.Equal(2, store.Keys("example.com").Count);
        var third = store.Rotate("example.com");
        Assert.Equal(["rsa-2027-01", "ed25519-2027-01"], third.Select(k => k.Selector));
        var files = Directory.GetFiles(Path.Combine(folder.Path, "dkim", "example.com"), "*.pem").Select(Path.GetFileNameWithoutExtension).Order();
        Assert.Equal(["ed25519-2026-12-2", "ed25519-2027-01", "rsa-2026-12-2", "rsa-2027-01"], files);
    }

    [Fact]
    public void Keys_survive_a_restart_and_still_sign()
    {
        using var folder = new TempDirectory();
        var created = Store(folder.Path, new ManualClock(December)).EnsureKeys("example.com");
        var reloaded = Store(folder.Path, new ManualClock(December));

        Assert.Equal(created.Select(k => (k.Selector, k.TxtRecord)), reloaded.ActiveKeys("example.com").Select(k => (k.Selector, k.TxtRecord)));
        Assert.Equal(created.Select(k => k.Selector), reloaded.EnsureKeys("example.com").Select(k => k.Selector));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b.example")]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("exa mple.com")]
    public void A_name_that_is_not_a_domain_is_refused(string domain)
    {
        using var folder = new TempDirectory();
        Assert.Throws<ArgumentException>(() => Store(folder.Path, TimeProvider.System).Rotate(domain));
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "etc")));
    }

    [Fact]
    public async Task A_domain_without_keys_is_sent_unsigned()
    {
        await using var bed = new DkimTestBed();
        var original = DkimTestBed.Bytes(DkimTestBed.Message);
        var signed = bed.Signing.Sign(original, "example.com");
        Assert.Empty(signed.Selectors);
        Assert.Equal(original, signed.Message);
    }
}
