using Appliance.Accounts;
using Appliance.Web.Mail;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Localization;

namespace Appliance.Web.Components.Mail;

/// <summary>
/// Writing a message: new, reply, reply-all, forward or a draft resumed. The draft is saved to Drafts every
/// few seconds while it changes, and again whenever sending fails, so typing is never lost. Send hands the message to
/// <see cref="HeldSends"/>, which holds it for the undo delay on the server; the list then shows "Sending… Undo".
/// </summary>
public sealed partial class Compose
{
    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }
    [Inject] private IStringLocalizer<Strings> Localizer { get; set; } = default!;
    [Inject] private IHttpContextAccessor HttpContextAccessor { get; set; } = default!;
    [Inject] private HeldSends Held { get; set; } = default!;
    [Inject] private WebmailPreferences Preferences { get; set; } = default!;
    [SupplyParameterFromQuery(Name = "mode")] public string? Mode { get; set; }
    [SupplyParameterFromQuery(Name = "folder")] public string? SourceFolder { get; set; }
    [SupplyParameterFromQuery(Name = "uid")] public long? SourceUid { get; set; }
    [SupplyParameterFromQuery(Name = "to")] public string? ToQuery { get; set; }
    [SupplyParameterFromQuery(Name = "notice")] public string? Notice { get; set; }

    private MailUser? user;
    private ComposeModel? model;
    private string? error;
    private string? message;
    private bool busy;
    private bool dirty;
    private bool ready;
    private DateTimeOffset? savedAt;
    private PeriodicTimer? timer;
    private Task? autosave;
    private System.Net.IPAddress? client;
    private readonly SemaphoreSlim saving = new(1, 1);

    private string From => user is null ? "" : string.IsNullOrWhiteSpace(user.DisplayName) ? user.Address : $"{user.DisplayName} <{user.Address}>";

    protected override async Task OnInitializedAsync()
    {
        client = HttpContextAccessor.HttpContext?.Connection.RemoteIpAddress;
        user = await SignedInUser.LoadAsync(Mail, AuthenticationState).ConfigureAwait(true);
        if (user is null)
        {
            error = Localizer["Mail.Error.NoMailbox"];
            return;
        }
        if (Notice is { Length: > 0 } notice && notice.StartsWith("Mail.", StringComparison.Ordinal))
        {
            message = Localizer[notice];
        }
        try
        {
            model = Mode is null || SourceFolder is null || SourceUid is null
                ? new ComposeModel { To = ToQuery ?? "" }
                : await Mail.StartAsync(user, Mode, SourceFolder, SourceUid.Value).ConfigureAwait(true);
            if (Mode != "draft")
            {
                // The signature goes above a quoted reply or forward, where the new text is (what Thunderbird does by default).
                var signature = WebmailPreferences.SignatureHtml((await Preferences.GetAsync(user).ConfigureAwait(true)).Signature);
                model.Html = signature + model.Html;
            }
        }
        catch (MailActionException e)
        {
            error = Localizer[e.Key, [.. e.Arguments]];
            model = new ComposeModel();
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        // Not firstRender: Blazor renders once before an awaited OnInitializedAsync ends, so when loading the
        // draft or the message replied to is slow (a busy server), the first render has no model yet and the
        // form would never become ready nor save itself. Start on the first render that has the model.
        if (!ready && model is not null)
        {
            ready = true;
            timer = new PeriodicTimer(TimeSpan.FromSeconds(Mail.Options.DraftAutosaveSeconds));
            autosave = AutosaveAsync(timer);
            StateHasChanged();
        }
    }

    private async Task AutosaveAsync(PeriodicTimer ticks)
    {
        while (await ticks.WaitForNextTickAsync().ConfigureAwait(false))
        {
            if (dirty && !busy)
            {
                // A timer is no UI event: the page re-renders only when told to.
                await InvokeAsync(async () =>
                {
                    await SaveAsync(quiet: true).ConfigureAwait(true);
                    StateHasChanged();
                }).ConfigureAwait(false);
            }
        }
    }

    private void Changed() => dirty = true;


    private async Task SendAsync()
    {
        if (busy || model is null) return;
        busy = true;
        error = message = null;
        try
        {
            await saving.WaitAsync().ConfigureAwait(true);
            HeldMessage held;
            try
            {
                held = await Held.SendAsync(user!, model, client).ConfigureAwait(true);
            }
            finally
            {
                saving.Release();
            }
            dirty = false;
            Navigation.NavigateTo("/mail?sent=" + held.Id.ToString("N"));
        }
        catch (MailActionException e)
        {
            // The message stays here and in Drafts: nothing typed is lost to a refused address.
            error = Localizer[e.Key, [.. e.Arguments]];
            await SaveAsync(quiet: true).ConfigureAwait(true);
        }
        finally
        {
            busy = false;
        }
    }

    private Task SaveDraftAsync() => SaveAsync(quiet: false);

    private async Task SaveAsync(bool quiet)
    {
        if (model is null || user is null || !await saving.WaitAsync(0).ConfigureAwait(true)) return;
        try
        {
            model.DraftUid = await Mail.SaveDraftAsync(user, model).ConfigureAwait(true);
            dirty = false;
            savedAt = DateTimeOffset.Now;
            if (!quiet) message = Localizer["Mail.DraftSavedNotice"];
        }
        catch (MailActionException e)
        {
            if (error is null) error = Localizer[e.Key, [.. e.Arguments]];
        }
        finally
        {
            saving.Release();
        }
    }

    private async Task DiscardAsync()
    {
        if (model?.DraftUid is { } uid)
        {
            await Mail.DiscardDraftAsync(user!, uid).ConfigureAwait(true);
        }
        dirty = false;
        Navigation.NavigateTo("/mail");
    }

    public async ValueTask DisposeAsync()
    {
        timer?.Dispose();
        if (autosave is not null)
        {
            await autosave.ConfigureAwait(false);
        }
        // Leaving the page (another link, a closed tab ends the circuit) keeps what was typed.
        if (dirty && model is not null && user is not null)
        {
            try
            {
                await Mail.SaveDraftAsync(user, model).ConfigureAwait(false);
            }
            catch (MailActionException)
            {
                // Nothing to show it on any more; the last autosave is in Drafts.
            }
        }
        saving.Dispose();
    }
}
