using Appliance.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Appliance.Web;

/// <summary>Sign-in, sign-out and the language and theme switches: plain HTTP form posts, because only they can set cookies.</summary>
internal static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Minimal-API form binding validates the antiforgery token (UseAntiforgery) before this runs.
        endpoints.MapPost("/account/login", async ([FromForm] LoginForm form, HttpContext context, Authenticator authenticator) =>
        {
            var returnUrl = IsLocal(form.ReturnUrl) ? form.ReturnUrl! : "/";
            var result = await authenticator.SignInAsync(form.Address, form.Password, context.RequestAborted).ConfigureAwait(false);
            if (result.Outcome != SignInOutcome.Success)
            {
                var error = result.Outcome switch
                {
                    SignInOutcome.LockedOut => "locked",
                    SignInOutcome.Disabled => "disabled",
                    _ => "failed",
                };
                return Results.Redirect($"/account/login?error={error}&address={Uri.EscapeDataString(form.Address ?? "")}&returnUrl={Uri.EscapeDataString(returnUrl)}");
            }
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, WebConsoleExtensions.CreatePrincipal(result.User!)).ConfigureAwait(false);
            return Results.LocalRedirect(returnUrl);
        }).AllowAnonymous().RequireRateLimiting(WebConsoleExtensions.SignInRateLimit);

        endpoints.MapPost("/account/logout", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            // No form is bound here, so nothing else would check the token: a cross-site page must not sign users out.
            if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
            {
                return Results.BadRequest();
            }
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.LocalRedirect("/account/login");
        });

        endpoints.MapGet("/culture/set", (string? culture, string? returnUrl, HttpContext context) =>
        {
            if (culture is not null && Setup.SetupService.Languages.Contains(culture))
            {
                context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                    new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true });
            }
            return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
        }).AllowAnonymous();

        // The theme switch: a cookie the server reads before it writes <head>, so the first paint is already right.
        endpoints.MapGet(ThemeChoice.SetPath, (string? mode, string? returnUrl, HttpContext context) =>
        {
            context.Response.Cookies.Append(ThemeChoice.CookieName, ThemeChoice.Name(ThemeChoice.Parse(mode)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true });
            return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
        }).AllowAnonymous();

        // Before setup: a browser on another machine proves it may run the wizard with the setup token.
        endpoints.MapPost(SetupGate.TokenPath, async ([FromForm] SetupTokenForm form, HttpContext context, Setup.SetupToken token, IOptions<SecurityOptions> security,
            IDataProtectionProvider protection) =>
        {
            if (!token.Matches(form.Token))
            {
                await Task.Delay(security.Value.FailureDelayMilliseconds, context.RequestAborted).ConfigureAwait(false);
                return Results.Redirect($"{SetupGate.UnlockPath}?error=1");
            }
            var value = protection.CreateProtector("Appliance.SetupGate").Protect("setup-unlocked");
            context.Response.Cookies.Append(SetupGate.CookieName, value, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, IsEssential = true });
            return Results.LocalRedirect("/setup");
        }).AllowAnonymous().RequireRateLimiting(WebConsoleExtensions.SignInRateLimit);

        endpoints.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();
    }

    /// <summary>Only paths on this site: never "//evil.example" or "/\evil.example", which browsers treat as other hosts.</summary>
    internal static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));

    internal sealed class SetupTokenForm
    {
        public string? Token { get; set; }
    }

    internal sealed class LoginForm
    {
        public string? Address { get; set; }
        public string? Password { get; set; }
        public string? ReturnUrl { get; set; }
    }
}
