using Appliance.Storage;
using Microsoft.AspNetCore.Localization;

namespace Appliance.Web;

/// <summary>The language chosen in the setup wizard, for browsers that ask for none of ours.</summary>
internal sealed class ServerLanguageProvider : RequestCultureProvider
{
    public override async Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var settings = httpContext.RequestServices.GetRequiredService<SettingsRepository>();
        var language = await settings.GetAsync(SettingKeys.Language, httpContext.RequestAborted).ConfigureAwait(false);
        return language is null ? null : new ProviderCultureResult(language);
    }
}
