using Appliance.Accounts;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace Appliance.Web;

/// <summary>
/// An interactive page keeps one connection open for as long as it is shown; this checks the user's
/// security stamp every minute so a disabled or demoted user loses an open admin page too.
/// </summary>
internal sealed class RevalidatingStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserService>();
        return await SessionValidator.IsCurrentAsync(users, authenticationState.User, cancellationToken).ConfigureAwait(false);
    }
}
