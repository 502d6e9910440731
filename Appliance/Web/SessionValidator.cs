using Appliance.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Appliance.Web;

/// <summary>
/// A sign-in cookie is honoured only while its user exists, is enabled and carries the current
/// security stamp: removing, disabling, demoting or resetting the password of a user ends their sessions.
/// </summary>
internal static class SessionValidator
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserService>();
        if (!await IsCurrentAsync(users, context.Principal, context.HttpContext.RequestAborted).ConfigureAwait(false))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        }
    }

    public static async Task<bool> IsCurrentAsync(UserService users, System.Security.Claims.ClaimsPrincipal? principal, CancellationToken cancellationToken)
    {
        var address = principal?.Identity?.Name;
        var stamp = principal?.FindFirst(WebConsoleExtensions.StampClaim)?.Value;
        if (address is null || stamp is null)
        {
            return false;
        }
        var user = await users.FindAsync(address, cancellationToken).ConfigureAwait(false);
        return user is { Disabled: false } && user.SecurityStamp == stamp;
    }
}
