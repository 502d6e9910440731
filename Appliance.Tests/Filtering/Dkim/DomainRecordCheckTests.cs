using Appliance.Dns;
using Appliance.Filtering.Dkim;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering.Dkim;

/// <summary>The domain page's record check, over the production resolver against a loopback DNS server: each outcome of each record.</summary>
public sealed class DomainRecordCheckTests : IAsyncLifetime
{
    private const string Domain = "example.com";
    private const string Host = "mail.example.com";
    private DkimTestBed _bed = null!;
    private DomainRecords _records = null!;
    private DomainRecordCheck _check = null!;

    public Task InitializeAsync()
    {
        _bed = new DkimTestBed(dnsTimeoutMilliseconds: 300);
        _records = new DomainRecords(_bed.Keys, Microsoft.Extensions.Options.Options.Create(_bed.Options));
        _check = new DomainRecordCheck(_bed.Resolver, _bed.Keys, _records);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private void Mx(string host) => _bed.Dns.Add(DnsResourceRecord.Create(Domain, new MxData(10, host)));

    private async Task<RecordCheckResult> CheckAsync(string record) =>
        (await _check.CheckAsync(Domain, Host)).First(r => r.Record == record);

    /// <summary>Everything the page asks for, as the page shows it (long values in 255-byte strings).</summary>
    private void PublishAll()
    {
        Mx(Host);
        _bed.Publish(Domain, DomainRecords.Spf);
        foreach (var record in _records.For(Domain))
        {
            _bed.Dns.Add(DnsResourceRecord.Create(record.Name.TrimEnd('.'), TxtData.FromText([.. record.Strings])));
        }
    }

    [Fact]
    public async Task Every_record_published_as_the_page_shows_it_is_ok()
    {
        _bed.Keys.Rotate(Domain);
        PublishAll();

        var results = await _check.CheckAsync(Domain, Host);

        Assert.Equal(["MX", "SPF", "DKIM", "DKIM", "DMARC"], results.Select(r => r.Record));
        Assert.All(results, r => Assert.Equal((RecordStatus.Ok, "Ok"), (r.Status, r.Reason)));
        var rsa = _bed.Keys.ActiveKeys(Domain).Single(k => k.Algorithm == DkimKeyAlgorithm.Rsa);
        Assert.Contains(results, r => r.Name == rsa.RecordName && r.Found == rsa.TxtRecord);
    }

    [Fact]
    public void Long_rsa_records_are_split_into_255_byte_strings()
    {
        var rsa = _bed.Keys.Generate(Domain, DkimKeyAlgorithm.Rsa);
        var record = _records.For(Domain).Single(r => r.Name == rsa.RecordName + ".");

        Assert.True(record.Strings.Count > 1);
        Assert.All(record.Strings, s => Assert.True(s.Length <= 255));
        Assert.Equal(rsa.TxtRecord, string.Concat(record.Strings));
        Assert.StartsWith("\"v=DKIM1; k=rsa; p=", record.Value, StringComparison.Ordinal);
        Assert.Contains("\" \"", record.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_published_is_missing_everywhere()
    {
        _bed.Keys.Generate(Domain, DkimKeyAlgorithm.Ed25519);

        var results = await _check.CheckAsync(Domain, Host);

        Assert.All(results, r => Assert.Equal((RecordStatus.Missing, "Missing"), (r.Status, r.Reason)));
        Assert.Equal("10 mail.example.com.", results[0].Expected);
        Assert.Equal("v=DMARC1; p=quarantine; rua=mailto:postmaster@example.com", results[^1].Expected);
    }

    [Fact]
    public async Task A_domain_without_keys_is_told_to_generate_one()
    {
        var dkim = await CheckAsync("DKIM");

        Assert.Equal((RecordStatus.Missing, "DkimNoKey"), (dkim.Status, dkim.Reason));
    }

    [Fact]
    public async Task Mx_to_another_host_is_wrong_and_says_what_it_found()
    {
        Mx("mx.other-provider.example");

        var mx = await CheckAsync("MX");

        Assert.Equal((RecordStatus.Wrong, "MxElsewhere", "10 mx.other-provider.example."), (mx.Status, mx.Reason, mx.Found));
    }

    [Theory]
    [InlineData("v=spf1 include:_spf.other.example -all", RecordStatus.Warning, "SpfIndirect")]
    [InlineData("v=spf1 ip4:192.0.2.1 -all", RecordStatus.Wrong, "SpfLacksHost")]
    [InlineData("v=spf1 +all", RecordStatus.Wrong, "SpfPassAll")]
    [InlineData("v=spf1 -mx ~all", RecordStatus.Wrong, "SpfLacksHost")]
    [InlineData("v=spf1 a:mail.example.com -all", RecordStatus.Ok, "Ok")]
    [InlineData("v=spf1 ip4:198.51.100.7 -all", RecordStatus.Ok, "Ok")]
    public async Task Spf_that_does_not_name_our_host_is_wrong(string spf, RecordStatus status, string reason)
    {
        Mx(Host);
        _bed.Dns.Add(DnsResourceRecord.Create(Host, new AddressData(System.Net.IPAddress.Parse("198.51.100.7"))));
        _bed.Publish(Domain, spf);

        var result = await CheckAsync("SPF");

        Assert.Equal((status, reason, spf), (result.Status, result.Reason, result.Found));
    }

    [Fact]
    public async Task Two_spf_records_are_wrong()
    {
        _bed.Dns.Add(DnsResourceRecord.Create(Domain, TxtData.FromText(["v=spf1 mx -all"])), DnsResourceRecord.Create(Domain, TxtData.FromText(["v=spf1 a -all"])));

        var result = await CheckAsync("SPF");

        Assert.Equal((RecordStatus.Wrong, "SpfSeveral"), (result.Status, result.Reason));
    }

    [Fact]
    public async Task A_dkim_record_with_another_key_is_a_mismatch()
    {
        var key = _bed.Keys.Generate(Domain, DkimKeyAlgorithm.Ed25519);
        var other = Convert.ToBase64String(new byte[32]);
        _bed.Publish(key.RecordName, $"v=DKIM1; k=ed25519; p={other}");

        var result = await CheckAsync("DKIM");

        Assert.Equal((RecordStatus.Wrong, "DkimMismatch"), (result.Status, result.Reason));
        Assert.Contains(other, result.Found, StringComparison.Ordinal);
        Assert.Equal(key.TxtRecord, result.Expected);
    }

    [Fact]
    public async Task A_retired_keys_record_is_not_checked_but_the_new_one_is()
    {
        var old = _bed.Keys.Generate(Domain, DkimKeyAlgorithm.Ed25519);
        _bed.Publish(old.RecordName, old.TxtRecord);
        var fresh = _bed.Keys.Generate(Domain, DkimKeyAlgorithm.Ed25519);

        var dkim = (await _check.CheckAsync(Domain, Host)).Where(r => r.Record == "DKIM").ToArray();

        var only = Assert.Single(dkim);
        Assert.Equal((fresh.RecordName, RecordStatus.Missing), (only.Name, only.Status));
        Assert.Equal(2, _records.For(Domain).Count(r => r.Type == "TXT" && r.Name.Contains("._domainkey.", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("v=DMARC1; p=none; rua=mailto:postmaster@example.com", RecordStatus.Warning, "DmarcNone")]
    [InlineData("v=DMARC1; p=reject; rua=mailto:postmaster@example.com", RecordStatus.Ok, "Ok")]
    [InlineData("v=DMARC1; p=quarantine", RecordStatus.Warning, "DmarcNoReports")]
    [InlineData("v=DMARC1; p=bogus", RecordStatus.Wrong, "DmarcInvalid")]
    public async Task Dmarc_outcomes(string dmarc, RecordStatus status, string reason)
    {
        _bed.Publish("_dmarc." + Domain, dmarc);

        var result = await CheckAsync("DMARC");

        Assert.Equal((status, reason, dmarc), (result.Status, result.Reason, result.Found));
    }

    [Fact]
    public async Task A_lookup_that_times_out_is_unknown_not_missing()
    {
        _bed.Dns.Handler = (query, _) => query.Questions[0].Name.StartsWith("_dmarc.", StringComparison.OrdinalIgnoreCase)
            ? DnsReply.Silent : DnsReply.Message(_bed.Dns.Answer(query));

        var result = await CheckAsync("DMARC");

        Assert.Equal((RecordStatus.Unknown, "Temporary"), (result.Status, result.Reason));
    }
}
