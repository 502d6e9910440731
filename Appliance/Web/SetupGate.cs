using Appliance.Setup;

namespace Appliance.Web;

/// <summary>
/// While the data folder is not set up, every console page leads to <c>/setup</c>; once it is, <c>/setup</c>
/// answers 404 to everyone, so the wizard can never be run again.
/// </summary>
internal sealed class SetupGate(RequestDelegate next, SetupService setup)
{
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
        await next(context).ConfigureAwait(false);
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
