namespace Appliance.Web.Mail;

/// <summary>
/// Completion for an address being typed (<see cref="MailService.SuggestAsync"/>). The address field depends on
/// this alone, so that its tests can decide when each answer arrives, as a slow server does.
/// </summary>
public interface IRecipientSuggestions
{
    Task<IReadOnlyList<string>> SuggestAsync(MailUser user, string typed, CancellationToken cancellationToken = default);
}
