using Appliance.Web.Mail;
using Microsoft.AspNetCore.Components.Authorization;

namespace Appliance.Web.Components.Mail;

internal static class SignedInUser
{
    /// <summary>The mail user behind the page's authentication state, or null (signed out, disabled, removed).</summary>
    public static async Task<MailUser?> LoadAsync(MailService mail, Task<AuthenticationState>? authenticationState)
    {
        var state = authenticationState is null ? null : await authenticationState.ConfigureAwait(true);
        var name = state?.User.Identity?.Name;
        return name is null ? null : await mail.UserAsync(name).ConfigureAwait(true);
    }
}
