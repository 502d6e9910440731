using Appliance.Accounts;
using Appliance.Filtering.Rules;
using Appliance.Filtering.Sieve;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering.Rules;

/// <summary>The pages' script in the store: saved and made active, reloaded, and a hand-written active script left alone.</summary>
public sealed class UserRulesTests : IAsyncLifetime
{
    private TestServices _services = null!;
    private long _bob;

    private UserRules Rules => _services.Get<UserRules>();

    private SieveScripts Scripts => _services.Get<SieveScripts>();

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync(configure: s => s.AddSieveScripts());
        await _services.SetUpAsync();
        _bob = (await _services.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd"))).Id;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private static MailRules Forwarding(string address) =>
        new() { Forwarding = new ForwardingSettings { Enabled = true, Addresses = [address], KeepCopy = true } };

    [Fact]
    public async Task Saved_rules_become_the_active_script_and_load_back()
    {
        var empty = await Rules.LoadAsync(_bob);
        Assert.True(empty.FormOwned);
        Assert.Null(empty.ActiveName);

        await Rules.SaveAsync(_bob, Forwarding("carol@example.net"));
        Assert.Equal(UserRules.ScriptName, await Scripts.ActiveNameAsync(_bob));
        var state = await Rules.LoadAsync(_bob);
        Assert.True(state.FormOwned);
        Assert.Equal(["carol@example.net"], state.Rules.Forwarding.Addresses);
    }

    [Fact]
    public async Task An_invalid_rule_is_refused_and_nothing_is_stored()
    {
        Assert.Equal("Forwarding.Error.BadAddress", (await Assert.ThrowsAsync<RulesException>(() => Rules.SaveAsync(_bob, Forwarding("carol")))).Key);
        Assert.Empty(await Scripts.ListAsync(_bob));
    }

    [Fact]
    public async Task A_script_uploaded_over_managesieve_is_shown_not_overwritten()
    {
        await Rules.SaveAsync(_bob, Forwarding("carol@example.net"));
        const string mine = "require \"fileinto\";\r\nfileinto \"Mine\";\r\n";
        await Scripts.PutAsync(_bob, "mine", mine);
        await Scripts.SetActiveAsync(_bob, "mine");

        var state = await Rules.LoadAsync(_bob);
        Assert.False(state.FormOwned);
        Assert.Equal("mine", state.ActiveName);
        Assert.Equal(mine, state.ActiveScript);
        // The pages' own script is still there, untouched, for when the user switches back.
        Assert.True(RulesScript.IsOwn(await Scripts.GetAsync(_bob, UserRules.ScriptName)));
    }

    [Fact]
    public async Task A_hand_written_script_with_an_error_is_not_stored()
    {
        var error = await Rules.SaveScriptAsync(_bob, null, "keep;\nfilein \"x\";\n");
        Assert.NotNull(error);
        Assert.Equal(2, error.Line);
        Assert.Empty(await Scripts.ListAsync(_bob));

        Assert.Null(await Rules.SaveScriptAsync(_bob, null, "keep;\n"));
        var state = await Rules.LoadAsync(_bob);
        Assert.False(state.FormOwned);
        Assert.Equal(UserRules.ScriptName, state.ActiveName);
    }
}
