using Appliance.Dns;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Uce;

/// <summary>The production resolver pointed at a loopback responder, patient enough for a test and short enough to time out fast.</summary>
internal static class UceDns
{
    public static DnsResolver Resolver(LoopbackDnsServer server, int timeoutMilliseconds = 2000) =>
        new(Options.Create(new DnsOptions { Servers = [server.Address], TimeoutMilliseconds = timeoutMilliseconds, Attempts = 1 }), NullLogger<DnsResolver>.Instance);

    public static DnsResourceRecord A(string name, string address) => DnsResourceRecord.Create(name, new AddressData(System.Net.IPAddress.Parse(address)));

    public static DnsResourceRecord Mx(string name, ushort preference, string exchange) => DnsResourceRecord.Create(name, new MxData(preference, exchange));

    public static DnsResourceRecord Ptr(string name, string target) => DnsResourceRecord.Create(name, new NameData(DnsRecordType.PTR, target));
}
