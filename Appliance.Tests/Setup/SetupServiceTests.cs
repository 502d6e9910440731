using System.Security.Cryptography.X509Certificates;
using Appliance.Accounts;
using Appliance.Protocols;
using Appliance.Setup;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Setup;

public class SetupServiceTests
{
    private static SetupRequest Request(TlsChoice tls = TlsChoice.Generate, string? cert = null, string? key = null) =>
        new("fr", "Mail.Example.com", "Example.com", "Admin@Example.com", TestServices.AdminPassword, tls, cert, key);

    [Fact]
    public async Task Setup_creates_domain_administrator_settings_and_a_certificate_for_the_host_and_localhost()
    {
        await using var services = await TestServices.CreateAsync();
        var setup = services.Get<SetupService>();
        Assert.False(await setup.IsCompleteAsync());

        await setup.CompleteAsync(Request());

        Assert.True(await setup.IsCompleteAsync());
        var admin = await services.Get<UserService>().FindAsync("admin@example.com");
        Assert.True(admin!.IsAdmin);
        Assert.Contains(await services.Get<DomainService>().ListAsync(), d => d.Name == "example.com");
        var settings = services.Get<SettingsRepository>();
        Assert.Equal("mail.example.com", await settings.GetAsync(SettingKeys.HostName));
        Assert.Equal("fr", await settings.GetAsync(SettingKeys.Language));

        var certPath = Path.Combine(services.DataDirectory, "tls", "cert.pem");
        var keyPath = Path.Combine(services.DataDirectory, "tls", "key.pem");
        using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(certPath), File.ReadAllText(keyPath));
        Assert.True(cert.HasPrivateKey);
        Assert.True(cert.MatchesHostname("mail.example.com"));
        Assert.True(cert.MatchesHostname("localhost"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        Assert.Same(services.Get<TlsCertificateStore>().Current, services.Get<TlsCertificateStore>().Current);
        Assert.Equal(cert.Thumbprint, services.Get<TlsCertificateStore>().Current.Thumbprint);
    }

    [Fact]
    public async Task Second_setup_fails_and_changes_nothing()
    {
        await using var services = await TestServices.CreateAsync();
        var setup = services.Get<SetupService>();
        await setup.CompleteAsync(Request());
        var certBefore = await File.ReadAllTextAsync(Path.Combine(services.DataDirectory, "tls", "cert.pem"));

        var e = await Assert.ThrowsAsync<AccountException>(() => setup.CompleteAsync(
            new SetupRequest("en", "other.example.org", "example.org", "boss@example.org", "An0ther-Passw0rd")));
        Assert.Equal("Setup.AlreadyDone", e.Key);

        Assert.Null(await services.Get<UserService>().FindAsync("boss@example.org"));
        Assert.Equal(certBefore, await File.ReadAllTextAsync(Path.Combine(services.DataDirectory, "tls", "cert.pem")));
        // A fresh process over the same folder refuses too: the state is in the store, not in memory.
        await using var again = await TestServicesOver(services.DataDirectory);
        var e2 = await Assert.ThrowsAsync<AccountException>(() => again.Get<SetupService>().CompleteAsync(Request()));
        Assert.Equal("Setup.AlreadyDone", e2.Key);
    }

    private static Task<TestServices> TestServicesOver(string directory) =>
        TestServices.CreateAsync(new Dictionary<string, string?> { ["Appliance:DataDirectory"] = directory });

    [Fact]
    public async Task Uploaded_certificate_and_key_are_installed()
    {
        var (cert, key) = TlsCertificateStore.GenerateSelfSigned("mail.example.com");
        await using var services = await TestServices.CreateAsync();
        await services.Get<SetupService>().CompleteAsync(Request(TlsChoice.Upload, cert, key));
        Assert.Equal(cert, await File.ReadAllTextAsync(Path.Combine(services.DataDirectory, "tls", "cert.pem")));
    }

    public static TheoryData<string, string, string> BadUploads()
    {
        var (cert, key) = TlsCertificateStore.GenerateSelfSigned("mail.example.com");
        var (otherCert, otherKey) = TlsCertificateStore.GenerateSelfSigned("other.example.com");
        return new TheoryData<string, string, string>
        {
            { "not a certificate", key, "Tls.CertificateUnreadable" },
            { "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", key, "Tls.CertificateUnreadable" },
            { cert, "not a key", "Tls.KeyUnreadable" },
            { cert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "Tls.KeyUnreadable" },
            { cert, otherKey, "Tls.KeyMismatch" },
            { otherCert, otherKey, "Tls.HostMismatch" },
        };
    }

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task Unreadable_or_mismatched_upload_is_refused_and_nothing_is_written(string cert, string key, string reason)
    {
        await using var services = await TestServices.CreateAsync();
        var e = await Assert.ThrowsAsync<AccountException>(() => services.Get<SetupService>().CompleteAsync(Request(TlsChoice.Upload, cert, key)));
        Assert.Equal(reason, e.Key);
        Assert.False(await services.Get<SetupService>().IsCompleteAsync());
        Assert.False(Directory.Exists(Path.Combine(services.DataDirectory, "tls")) && Directory.EnumerateFiles(Path.Combine(services.DataDirectory, "tls")).Any());
        Assert.Empty(await services.Get<DomainService>().ListAsync());
    }

    [Theory]
    [InlineData("xx", "mail.example.com", "example.com", "admin@example.com", TestServices.AdminPassword, "Setup.LanguageInvalid")]
    [InlineData("en", "not a host", "example.com", "admin@example.com", TestServices.AdminPassword, "Setup.HostNameInvalid")]
    [InlineData("en", "mail.example.com", "example", "admin@example.com", TestServices.AdminPassword, "Domain.Invalid")]
    [InlineData("en", "mail.example.com", "example.com", "admin", TestServices.AdminPassword, "Address.Invalid")]
    [InlineData("en", "mail.example.com", "example.com", "admin@example.org", TestServices.AdminPassword, "Setup.AdminOutsideDomain")]
    [InlineData("en", "mail.example.com", "example.com", "admin@example.com", "password", "Password.Weak")]
    public async Task Bad_wizard_fields_are_refused_and_nothing_is_written(string language, string host, string domain, string admin, string password, string key)
    {
        await using var services = await TestServices.CreateAsync();
        var e = await Assert.ThrowsAsync<AccountException>(() => services.Get<SetupService>().CompleteAsync(new SetupRequest(language, host, domain, admin, password)));
        Assert.Equal(key, e.Key);
        Assert.False(await services.Get<SetupService>().IsCompleteAsync());
        Assert.Empty(await services.Get<DomainService>().ListAsync());
    }

    [Fact]
    public async Task Certificate_chain_is_served_with_its_intermediates()
    {
        using var rootKey = System.Security.Cryptography.RSA.Create(2048);
        var rootRequest = new CertificateRequest("CN=Test Root CA", rootKey, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));
        using var caKey = System.Security.Cryptography.RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Test Intermediate CA", caKey, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var caPublic = caRequest.Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [9, 9]);
        using var ca = caPublic.CopyWithPrivateKey(caKey);
        using var leafKey = System.Security.Cryptography.RSA.Create(2048);
        var leafRequest = new CertificateRequest("CN=mail.example.com", leafKey, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("mail.example.com");
        leafRequest.CertificateExtensions.Add(names.Build());
        using var leaf = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
        var fullChain = leaf.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n";

        await using var services = await TestServices.CreateAsync();
        await services.Get<SetupService>().CompleteAsync(Request(TlsChoice.Upload, fullChain, leafKey.ExportPkcs8PrivateKeyPem()));

        var context = services.Get<TlsCertificateStore>().Context;
        Assert.Equal(leaf.Thumbprint, context.TargetCertificate.Thumbprint);
        Assert.Contains(context.IntermediateCertificates, c => c.Thumbprint == ca.Thumbprint);
    }

    [Fact]
    public async Task Install_interrupted_between_its_renames_is_finished_at_the_next_start()
    {
        await using var services = await TestServices.CreateAsync();
        var tls = Path.Combine(services.DataDirectory, "tls");
        var (oldCert, oldKey) = TlsCertificateStore.GenerateSelfSigned("old.example.com");
        var (newCert, newKey) = TlsCertificateStore.GenerateSelfSigned("new.example.com");
        Directory.CreateDirectory(tls);
        // The crash came after the key's rename and before the certificate's.
        await File.WriteAllTextAsync(Path.Combine(tls, "key.pem"), newKey);
        await File.WriteAllTextAsync(Path.Combine(tls, "cert.pem"), oldCert);
        await File.WriteAllTextAsync(Path.Combine(tls, "cert.pem.new"), newCert);
        _ = oldKey;

        // What the host does at start, before any listener reads the files.
        services.Get<TlsInstaller>().RecoverInterruptedInstall();
        using var store = new TlsCertificateStore(Microsoft.Extensions.Options.Options.Create(new TlsOptions { Directory = tls }));
        Assert.True(store.Current.MatchesHostname("new.example.com"));
        Assert.False(File.Exists(Path.Combine(tls, "cert.pem.new")));
    }

    [Fact]
    public async Task Before_setup_listeners_present_a_temporary_localhost_certificate()
    {
        await using var services = await TestServices.CreateAsync();
        var store = services.Get<TlsCertificateStore>();
        Assert.False(store.HasInstalledCertificate);
        Assert.True(store.Current.MatchesHostname("localhost"));
        Assert.True(store.Current.HasPrivateKey);
    }

    // The wizard's steps and the command line go through SetupService.Check; these pin what each step does.

    [Fact]
    public async Task Each_step_normalizes_its_field_and_proposes_the_next_one()
    {
        await using var services = await TestServices.CreateAsync();
        var setup = services.Get<SetupService>();
        var draft = new SetupDraft { Language = "de", HostName = "  Mail.Example.COM. " };

        setup.Check(SetupStep.Language, draft);
        setup.Check(SetupStep.HostName, draft);
        Assert.Equal(("mail.example.com", "example.com"), (draft.HostName, draft.Domain));

        setup.Check(SetupStep.Domain, draft);
        Assert.Equal("admin@example.com", draft.AdminAddress);

        draft.AdminAddress = "Boss@Example.com";
        draft.AdminPassword = draft.ConfirmPassword = TestServices.AdminPassword;
        setup.Check(SetupStep.Administrator, draft);
        Assert.Equal("boss@example.com", draft.AdminAddress);
        setup.Check(SetupStep.Tls, draft);
        setup.Check(SetupStep.Summary, draft);
        Assert.False(await setup.IsCompleteAsync());
    }

    [Fact]
    public async Task A_proposal_never_overwrites_what_was_typed_and_a_two_label_host_proposes_no_domain()
    {
        await using var services = await TestServices.CreateAsync();
        var setup = services.Get<SetupService>();

        var typed = new SetupDraft { HostName = "mx1.mail.example.org", Domain = "example.org", AdminAddress = "postmaster@example.org" };
        setup.Check(SetupStep.HostName, typed);
        setup.Check(SetupStep.Domain, typed);
        Assert.Equal(("example.org", "postmaster@example.org"), (typed.Domain, typed.AdminAddress));

        var bare = new SetupDraft { HostName = "example.org" };
        setup.Check(SetupStep.HostName, bare);
        Assert.Null(bare.Domain);
        var e = Assert.Throws<AccountException>(() => setup.Check(SetupStep.Domain, bare));
        Assert.Equal("Domain.Invalid", e.Key);
    }

    [Theory]
    [InlineData(SetupStep.Language, "Setup.LanguageInvalid")]
    [InlineData(SetupStep.HostName, "Setup.HostNameInvalid")]
    [InlineData(SetupStep.Domain, "Domain.Invalid")]
    [InlineData(SetupStep.Administrator, "Password.Mismatch")]
    [InlineData(SetupStep.Tls, "Tls.CertificateUnreadable")]
    public async Task A_wrong_field_stops_the_wizard_on_its_own_step(SetupStep step, string key)
    {
        await using var services = await TestServices.CreateAsync();
        var draft = new SetupDraft
        {
            Language = "xx", HostName = "not a host", Domain = "example", AdminAddress = "admin@example", AdminPassword = TestServices.AdminPassword,
            ConfirmPassword = "something else", Tls = TlsChoice.Upload, CertificatePem = "not a certificate", PrivateKeyPem = "not a key",
        };
        if (step == SetupStep.Administrator)
        {
            (draft.Domain, draft.AdminAddress) = ("example.com", "admin@example.com");
        }

        var e = Assert.Throws<AccountException>(() => services.Get<SetupService>().Check(step, draft));
        Assert.Equal(key, e.Key);
    }

    [Fact]
    public async Task Finishing_with_the_domain_and_administrator_left_out_uses_the_wizards_proposals()
    {
        await using var services = await TestServices.CreateAsync();
        await services.Get<SetupService>().CompleteAsync(new SetupRequest("en", "Mail.Example.net", "", "", TestServices.AdminPassword));

        Assert.True((await services.Get<UserService>().FindAsync("admin@example.net"))!.IsAdmin);
        Assert.Equal("example.net", await services.Get<SettingsRepository>().GetAsync(SettingKeys.PrimaryDomain));
    }

    [Fact]
    public async Task Finishing_checks_the_confirmation_too_so_a_wizard_that_skipped_a_step_cannot_slip_past()
    {
        await using var services = await TestServices.CreateAsync();
        var e = await Assert.ThrowsAsync<AccountException>(() => services.Get<SetupService>().CompleteAsync(
            new SetupRequest("en", "mail.example.com", "example.com", "admin@example.com", TestServices.AdminPassword, ConfirmPassword: "typo")));
        Assert.Equal("Password.Mismatch", e.Key);
        Assert.False(await services.Get<SetupService>().IsCompleteAsync());
    }

    [Fact]
    public async Task A_pem_upload_is_read_up_to_its_cap_and_one_byte_more_is_refused()
    {
        var (cert, _) = TlsCertificateStore.GenerateSelfSigned("mail.example.com");
        Assert.Equal(cert, await SetupService.ReadPemAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(cert)), isKey: false));

        var exact = new string('A', SetupService.MaxPemBytes);
        Assert.Equal(exact.Length, (await SetupService.ReadPemAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(exact)), isKey: true)).Length);
        var e = await Assert.ThrowsAsync<AccountException>(() =>
            SetupService.ReadPemAsync(new MemoryStream(new byte[SetupService.MaxPemBytes + 1]), isKey: true));
        Assert.Equal("Tls.KeyUnreadable", e.Key);
    }

    [Theory]
    [InlineData("mail.example.com", "mail.example.com", "box")]
    [InlineData("box.example.org", null, "Box.Example.org.")]
    [InlineData(null, "localhost", "box")]
    [InlineData(null, "", null)]
    public void The_host_name_suggestion_is_the_first_qualified_name(string? expected, string? qualified, string? machine)
    {
        Assert.Equal(expected, SetupService.SuggestHostName(qualified, machine));
    }
}
