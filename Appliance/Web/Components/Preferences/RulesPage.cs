using Appliance.Filtering.Rules;
using Appliance.Filtering.Sieve;
using Appliance.Web.Components.Mail;
using Appliance.Web.Mail;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;

namespace Appliance.Web.Components.Preferences;

/// <summary>
/// Base of the Filters, Forwarding and Out of office pages: all three edit the one script <see cref="UserRules"/> writes.
/// It loads the signed-in user's rules, saves them whole, and turns refusals into a message in the user's language.
/// </summary>
public abstract class RulesPage : ComponentBase
{
    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }
    [Inject] protected MailService Mail { get; set; } = default!;
    [Inject] protected UserRules UserRules { get; set; } = default!;
    [Inject] private IStringLocalizer<Strings> Localizer { get; set; } = default!;

    protected MailUser? User { get; private set; }
    protected RulesState? State { get; private set; }

    /// <summary>The saved rules: pages edit a copy and save it whole.</summary>
    protected MailRules Rules => State?.Rules ?? new MailRules();

    protected string? Error { get; set; }
    protected string? Message { get; set; }
    protected bool Ready { get; private set; }

    protected override async Task OnInitializedAsync()
    {
        User = await SignedInUser.LoadAsync(Mail, AuthenticationState).ConfigureAwait(true);
        if (User is null)
        {
            Error = Localizer["Mail.Error.NoMailbox"];
            return;
        }
        await ReloadAsync().ConfigureAwait(true);
    }

    protected async Task ReloadAsync()
    {
        State = await UserRules.LoadAsync(User!.Id).ConfigureAwait(true);
        await OnLoadedAsync().ConfigureAwait(true);
    }

    /// <summary>Called after the rules were (re)loaded, to copy them into the page's form.</summary>
    protected virtual Task OnLoadedAsync() => Task.CompletedTask;

    protected override void OnAfterRender(bool firstRender)
    {
        if (!Ready && State is not null)
        {
            Ready = true;
            StateHasChanged();
        }
    }

    /// <summary>Saves the rules as the active script; on a refusal says why and keeps the page's edits.</summary>
    protected async Task<bool> SaveAsync(MailRules rules, string successKey)
    {
        Error = Message = null;
        try
        {
            await UserRules.SaveAsync(User!.Id, rules).ConfigureAwait(true);
            await ReloadAsync().ConfigureAwait(true);
            Message = Localizer[successKey];
            return true;
        }
        catch (RulesException e)
        {
            Error = Localizer[e.Key, [.. e.Arguments]];
        }
        catch (SieveScriptException e)
        {
            Error = Localizer["Rules.Error.Store", e.Message];
        }
        catch (Appliance.Storage.StorageException)
        {
            Error = Localizer["Action.Failed"];
        }
        return false;
    }

    protected string T(string key, params object[] arguments) => Localizer[key, arguments];
}
