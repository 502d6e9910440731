using System.Globalization;
using System.Security.Claims;
using Appliance.Accounts;
using Appliance.Setup;
using Appliance.Storage;
using Appliance.Web.Components;
using Appliance.Web.Mail;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;
using Radzen;

namespace Appliance.Web;

/// <summary>The browser console: Blazor components, sign-in, languages and the first-run gate.</summary>
public static class WebConsoleExtensions
{
    public const string AdminRole = "admin";
    public const string UserRole = "user";
    public const string StampClaim = "appliance:stamp";
    public const string SignInRateLimit = "sign-in";

    public static IServiceCollection AddWebConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddRadzenComponents();
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        // Keys live in the data folder so that sign-in cookies survive a restart and a backup restores them.
        services.AddDataProtection().SetApplicationName("Appliance");
        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<IOptions<StorageOptions>, ILoggerFactory>((o, storage, logs) => o.XmlRepository =
                new Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository(new DirectoryInfo(Path.Combine(storage.Value.FullDataDirectory, "keys")), logs));
        var requireHttps = configuration.GetValue<bool>("Appliance:Security:RequireHttps");
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Per client address: a script guessing passwords (or setup tokens) is slowed to a crawl,
            // people sharing an office NAT still sign in.
            o.AddPolicy(SignInRateLimit, context => System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions
                {
                    PermitLimit = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.SignInsPerMinutePerAddress,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
        });
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                o.AccessDeniedPath = "/account/denied";
                o.Cookie.Name = "appliance.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = requireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = SessionValidator.ValidateAsync;
            });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingStateProvider>();
        services.AddAntiforgery(o => o.Cookie.Name = "appliance.af");
        services.AddOptions<WebmailOptions>().BindConfiguration(WebmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddSingleton<MailService>();
        services.AddSingleton<IRecipientSuggestions>(sp => sp.GetRequiredService<MailService>());
        services.AddSingleton<Appliance.Mailstore.TrustedSenders>();
        services.AddSingleton<WebmailPreferences>();
        services.AddSingleton<JunkPreferences>();
        services.AddSingleton<HeldSends>();
        services.AddHostedService(sp => sp.GetRequiredService<HeldSends>());
        return services;
    }

    public static WebApplication UseWebConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }
        app.Use(SecurityHeaders);
        if (app.Configuration.GetValue<bool>("Appliance:Security:RequireHttps"))
        {
            app.UseMiddleware<HttpsRedirect>();
        }
        var cultures = SetupService.Languages.Select(l => new CultureInfo(l)).ToList();
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("en"),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            // Cookie first (the console's own switch), then the browser's Accept-Language.
            // Cookie first (the console's own switch), then the browser's Accept-Language, then the
            // language chosen in the setup wizard.
            RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider(), new ServerLanguageProvider()],
        });
        app.UseMiddleware<SetupGate>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseRateLimiter();
        app.MapStaticAssets();
        app.MapAccountEndpoints();
        app.MapMailEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>The console is never framed by another site and never sniffed as another type.</summary>
    private static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        return next(context);
    }

    /// <summary>The actor the services check and the audit log records, from the signed-in principal.</summary>
    public static Actor ToActor(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new Actor(user.Identity?.Name ?? "anonymous", user.Identity?.IsAuthenticated == true && user.IsInRole(AdminRole));
    }

    public static ClaimsPrincipal CreatePrincipal(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, user.Address),
                new Claim(ClaimTypes.Role, user.IsAdmin ? AdminRole : UserRole),
                new Claim(StampClaim, user.SecurityStamp),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }
}
