using System.Globalization;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Radzen;

namespace Appliance.Tests.Web.Components;

/// <summary>
/// A bUnit context with what every console component finds in the host: Radzen's services and the console's
/// own resource files (so that the texts checked are the ones people read), in English unless a test says
/// otherwise. Services behind a component are added by the test class that needs them.
/// </summary>
public abstract class ComponentTestContext : BunitContext
{
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _uiCulture = CultureInfo.CurrentUICulture;

    /// <summary>The value every rendered &lt;AntiforgeryToken /&gt; carries.</summary>
    protected const string AntiforgeryToken = "test-antiforgery-token";

    protected ComponentTestContext()
    {
        UseCulture("en");
        Services.AddRadzenComponents();
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
        Services.AddSingleton<AntiforgeryStateProvider, FixedAntiforgeryState>();
    }

    /// <summary>Renders in <paramref name="language"/>, as the request localization middleware would set it.</summary>
    protected static void UseCulture(string language)
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(language);
    }

    protected override void Dispose(bool disposing)
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _uiCulture;
        base.Dispose(disposing);
    }

    /// <summary>The token a form's &lt;AntiforgeryToken /&gt; writes; in the host it comes from the request.</summary>
    private sealed class FixedAntiforgeryState : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken GetAntiforgeryToken() => new(AntiforgeryToken, "__RequestVerificationToken");
    }
}
