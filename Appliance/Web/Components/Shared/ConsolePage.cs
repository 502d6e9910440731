using Appliance.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;
using Radzen;

namespace Appliance.Web.Components.Shared;

/// <summary>
/// Base of the interactive console pages: runs an action as the signed-in user and turns refusals into
/// a localized message. Authorization is the services' job (they check the actor); the page only reports.
/// </summary>
public abstract class ConsolePage : ComponentBase
{
    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }
    [Inject] private IStringLocalizer<Strings> Localizer { get; set; } = default!;
    [Inject] private DialogService Dialogs { get; set; } = default!;

    protected string? Error { get; private set; }
    protected string? Message { get; private set; }
    protected bool Busy { get; private set; }

    protected async Task<Actor> ActorAsync()
    {
        var state = AuthenticationState is null ? null : await AuthenticationState.ConfigureAwait(true);
        return state?.User.ToActor() ?? new Actor("anonymous", false);
    }

    /// <returns>true when the action succeeded.</returns>
    protected async Task<bool> RunAsync(Func<Actor, Task> action, string successKey, params object[] arguments)
    {
        ArgumentNullException.ThrowIfNull(action);
        Error = null;
        Message = null;
        Busy = true;
        try
        {
            await action(await ActorAsync().ConfigureAwait(true)).ConfigureAwait(true);
            Message = Localizer[successKey, arguments];
            return true;
        }
        catch (AccountException e)
        {
            Error = Localizer[e.Key, [.. e.Arguments]];
            return false;
        }
        catch (ForbiddenException)
        {
            Error = Localizer["Error.Forbidden"];
            return false;
        }
        catch (Appliance.Storage.StorageException)
        {
            // The store did not answer (locked, full, gone): nothing was kept; say so and keep the page alive.
            Error = Localizer["Action.Failed"];
            return false;
        }
        finally
        {
            Busy = false;
        }
    }

    /// <summary>Asks before something that cannot be undone; the page must hold a &lt;RadzenDialog /&gt;.</summary>
    protected async Task<bool> ConfirmAsync(string key, params object[] arguments) =>
        await Dialogs.Confirm(Localizer[key, arguments], Localizer["Confirm.Title"],
            new ConfirmOptions { OkButtonText = Localizer["Confirm.Yes"], CancelButtonText = Localizer["Confirm.No"] }).ConfigureAwait(true) == true;

    protected void ShowError(string key, params object[] arguments)
    {
        Message = null;
        Error = Localizer[key, arguments];
    }
}
