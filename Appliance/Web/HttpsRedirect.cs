using Microsoft.Extensions.Options;

namespace Appliance.Web;

/// <summary>Where <see cref="HttpsRedirect"/> sends plain HTTP: the HTTPS listener's port, 0 when there is none (set by the composition root).</summary>
public sealed class HttpsRedirectOptions
{
    public int HttpsPort { get; set; }
}

/// <summary>
/// With <c>Appliance:Security:RequireHttps</c> (the installed default), the console is only served over
/// HTTPS: passwords and the sign-in cookie never cross the network in clear. Plain HTTP requests are
/// redirected to the HTTPS listener; the health check stays on HTTP for load balancers.
/// </summary>
internal sealed class HttpsRedirect(RequestDelegate next, IOptions<HttpsRedirectOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var port = options.Value.HttpsPort;
        if (context.Request.IsHttps || port == 0 || context.Request.Path.StartsWithSegments("/healthz", StringComparison.Ordinal))
        {
            return next(context);
        }
        var host = new HostString(context.Request.Host.Host, port);
        context.Response.Redirect($"https://{host}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}", permanent: false);
        return Task.CompletedTask;
    }
}
