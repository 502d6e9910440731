using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Mail;

namespace Appliance.Tests.Web;

/// <summary>
/// Undo send on the server, in a running host with a two-second hold: a message is in Drafts while it waits, goes to
/// submission (and Sent) when the time is up, goes nowhere when undone, cannot be undone by someone else or once gone,
/// and is sent at once when the service stops.
/// </summary>
public sealed class HeldSendsTests : IAsyncLifetime
{
    private RunningHost _host = null!;
    private MailService _mail = null!;
    private HeldSends _held = null!;
    private MailUser _alice = null!;
    private MailUser _bob = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithSmtpAsync("--Appliance:Webmail:UndoSendSeconds=2");
        var users = _host.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("alice@example.com", "Str0ng-Passw0rd", "Alice Martin"));
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob Keller"));
        _mail = _host.Get<MailService>();
        _held = _host.Get<HeldSends>();
        _alice = (await _mail.UserAsync("alice@example.com"))!;
        _bob = (await _mail.UserAsync("bob@example.com"))!;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static ComposeModel Message(string subject) => new() { To = "bob@example.com", Subject = subject, Html = "<p>Hello Bob.</p>" };

    private async Task<int> CountAsync(MailUser user, string folder) =>
        (await _mail.PageAsync(user, folder, MessageSort.Date, true, 0, 50)).Count;

    [Fact]
    public async Task A_held_message_waits_in_Drafts_and_goes_to_submission_when_its_time_is_up()
    {
        var held = await _held.SendAsync(_alice, Message("On its way"), null);

        Assert.False(held.Outcome.IsCompleted);
        Assert.Equal(1, await CountAsync(_alice, "Drafts"));
        Assert.Equal(0, await CountAsync(_alice, "Sent"));

        var outcome = await held.Outcome.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new SendOutcome(Sent: true, Undone: false), outcome);
        Assert.Equal(1, await CountAsync(_alice, "Sent"));
        Assert.Equal(0, await CountAsync(_alice, "Drafts"));
        Assert.Null(_held.Undo(_alice, held.Id));
    }

    [Fact]
    public async Task Undo_before_the_time_keeps_it_from_submission_and_hands_back_the_form_saved_in_Drafts()
    {
        var held = await _held.SendAsync(_alice, Message("Take it back"), null);

        var model = _held.Undo(_alice, held.Id);

        Assert.NotNull(model);
        Assert.Equal("Take it back", model.Subject);
        var drafts = await _mail.PageAsync(_alice, "Drafts", MessageSort.Date, true, 0, 50);
        Assert.Equal([model.DraftUid!.Value], drafts.Select(d => d.Uid));
        Assert.Equal(new SendOutcome(Sent: false, Undone: true), await held.Outcome.WaitAsync(TimeSpan.FromSeconds(30)));
        // Still nothing in Sent well after the hold would have ended.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(0, await CountAsync(_alice, "Sent"));
        Assert.Null(_held.Undo(_alice, held.Id));
    }

    [Fact]
    public async Task Only_the_sender_sees_or_undoes_a_held_message()
    {
        var held = await _held.SendAsync(_alice, Message("Mine"), null);

        Assert.Null(_held.Find(_bob, held.Id));
        Assert.Null(_held.Undo(_bob, held.Id));
        Assert.Same(held, _held.Find(_alice, held.Id));
        Assert.True((await held.Outcome.WaitAsync(TimeSpan.FromSeconds(30))).Sent);
    }

    [Fact]
    public async Task A_bad_address_is_refused_at_once_and_nothing_is_held()
    {
        var e = await Assert.ThrowsAsync<MailActionException>(() => _held.SendAsync(_alice, new ComposeModel { To = "bob@", Subject = "x" }, null));

        Assert.Equal("Mail.Error.InvalidAddress", e.Key);
        Assert.Equal(0, await CountAsync(_alice, "Drafts"));
    }

    [Fact]
    public async Task Stopping_the_service_sends_what_is_still_held()
    {
        var held = await _held.SendAsync(_alice, Message("Before the restart"), null);
        Assert.False(held.Outcome.IsCompleted);

        await _held.StopAsync(CancellationToken.None);

        Assert.True(held.Outcome.IsCompleted);
        Assert.True((await held.Outcome).Sent);
        Assert.Equal(1, await CountAsync(_alice, "Sent"));
    }
}
