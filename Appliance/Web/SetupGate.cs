using Appliance.Setup;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Appliance.Web;

/// <summary>
/// While the data folder is not set up, every console page leads to <c>/setup</c>; once it is, <c>/setup</c>
/// answers 404 to everyone, so the wizard can never be run again. Before setup, a browser on another
/// machine must first unlock the wizard with the setup token (see <see cref="SetupToken"/>).
/// </summary>
internal sealed class SetupGate(RequestDelegate next, SetupService setup, IOptions<SetupOptions> options, IDataProtectionProvider protection)
{
    public const string UnlockPath = "/setup/unlock";
    public const string TokenPath = "/setup/token";
    public const string CookieName = "appliance.setup";
    private const string Unlocked = "setup-unlocked";

    private readonly IDataProtector _protector = protection.CreateProtector("Appliance.SetupGate");

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var isSetup = path.StartsWithSegments("/setup", StringComparison.OrdinalIgnoreCase);
        var complete = await setup.IsCompleteAsync(context.RequestAborted).ConfigureAwait(false);
        if (complete && isSetup)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (!complete && !isSetup && !IsInfrastructure(path))
        {
            context.Response.Redirect("/setup");
            return;
        }
        if (!complete && isSetup && !path.StartsWithSegments(UnlockPath, StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments(TokenPath, StringComparison.OrdinalIgnoreCase) && !MayOpenWizard(context))
        {
            context.Response.Redirect(UnlockPath);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    private bool MayOpenWizard(HttpContext context)
    {
        if (options.Value.TrustLoopback && context.Connection.RemoteIpAddress is { } address && System.Net.IPAddress.IsLoopback(address))
        {
            return true;
        }
        return context.Request.Cookies.TryGetValue(CookieName, out var cookie) && IsUnlockCookie(cookie);
    }

    private bool IsUnlockCookie(string value)
    {
        try
        {
            return _protector.Unprotect(value) == Unlocked;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The framework's script, the circuit's hub, package assets, files and the language switch keep working before setup.</summary>
    private static bool IsInfrastructure(PathString path) =>
        path.StartsWithSegments("/_framework", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/_blazor", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/_content", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/culture", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/healthz", StringComparison.OrdinalIgnoreCase)
        || Path.HasExtension(path.Value);
}
