using Appliance.Filtering;
using Appliance.Filtering.Junk;
using Microsoft.Extensions.Options;

namespace Appliance.Web.Mail;

/// <summary>
/// The signed-in user's junk settings, for the Junk settings page and the reading pane's "always allow" and "block"
/// buttons. Every method takes the <see cref="MailUser"/> the page loaded from its authentication state, so that
/// what a browser sends can only name entries, never whose lists they go on.
/// </summary>
public sealed class JunkPreferences(JunkSettingsStore store, IOptions<FilteringOptions> filtering)
{
    /// <summary>The user's settings, and what applies where they set nothing: their domain's, else the server's.</summary>
    public async Task<(UserJunkSettings Own, JunkThresholds Inherited)> GetAsync(MailUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var own = await store.GetUserAsync(user.Id, cancellationToken).ConfigureAwait(false);
        var domain = await store.GetDomainAsync(user.Address[(user.Address.LastIndexOf('@') + 1)..], cancellationToken).ConfigureAwait(false);
        return (own, JunkThresholds.Of(filtering.Value, domain));
    }

    public Task SaveAsync(MailUser user, double? junkScore, SpamAction? action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return store.SaveUserAsync(user.Id, junkScore, action, cancellationToken);
    }

    /// <returns>The entry as stored (lower-cased, a bare domain with its @).</returns>
    public Task<string> AddAsync(MailUser user, string entry, SenderListKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return store.AddSenderAsync(user.Id, entry, kind, cancellationToken);
    }

    public Task<bool> RemoveAsync(MailUser user, string entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return store.RemoveSenderAsync(user.Id, entry, cancellationToken);
    }
}
