using Appliance.Accounts;
using Appliance.Filtering.Sieve;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Mail;

/// <summary>Appliance:SieveDelivery:MaxRedirects bounds the copies one message makes, over the global and the user's scripts together.</summary>
public sealed class SieveRedirectLimitTests
{
    [Fact]
    public async Task Redirects_past_the_limit_are_not_sent_and_the_log_says_so()
    {
        await using var host = await RunningHost.StartWithSmtpAsync("--Appliance:SieveDelivery:MaxRedirects=2");
        var users = host.Get<UserService>();
        foreach (var name in new[] { "one", "two", "three" })
        {
            await users.AddAsync(Actor.CommandLine, new NewUser($"{name}@example.com", "Str0ng-Passw0rd"));
        }
        var kim = await users.AddAsync(Actor.CommandLine, new NewUser("kim@example.com", "Str0ng-Passw0rd"));
        var scripts = host.Get<SieveScripts>();
        await scripts.PutGlobalAsync(SieveGlobalScript.Before, "require [\"copy\", \"envelope\"];\r\nif envelope :is \"to\" \"kim@example.com\" { redirect :copy \"one@example.com\"; }\r\n");
        await scripts.PutAsync(kim.Id, "rules", "redirect \"two@example.com\";\r\nredirect \"three@example.com\";\r\n");
        await scripts.SetActiveAsync(kim.Id, "rules");

        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{host.SmtpPort}}, timeout=30)
            assert s.sendmail('anna@elsewhere.example', ['kim@example.com'], b'From: anna@elsewhere.example\r\nTo: kim@example.com\r\nSubject: spread\r\n\r\nbody\r\n') == {}
            s.quit()
            """]);
        Assert.True(code == 0, error + output);

        var store = host.Get<MailStore>();
        Assert.Single(await store.MessagesAsync("one@example.com"));
        Assert.Single(await store.MessagesAsync("two@example.com"));
        Assert.Empty(await store.MessagesAsync("three@example.com"));
        var (log, _) = await host.Get<MessageLog>().ListAsync("kim@example.com", MessageStatus.Delivered, null, null, 0, 10);
        Assert.Contains(log, e => e.Detail.Contains("more than 2 redirects; three@example.com was not sent to", StringComparison.Ordinal));
        // The third was refused, so kim keeps the message rather than lose it.
        Assert.Single(await store.MessagesAsync("kim@example.com"));
    }
}
