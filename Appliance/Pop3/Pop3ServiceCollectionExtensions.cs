using Appliance.Mail;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Pop3;

public static class Pop3ServiceCollectionExtensions
{
    public static IServiceCollection AddPop3(this IServiceCollection services)
    {
        services.AddOptions<Pop3Options>().BindConfiguration(Pop3Options.Section)
            .Validate(o => o.MaxLineLength is >= 255 and <= 65536, "Appliance:Pop3:MaxLineLength must be between 255 (RFC 2449 §4) and 65536.")
            .Validate(o => o.IdleTimeoutSeconds is >= 1 and <= 86400, "Appliance:Pop3:IdleTimeoutSeconds must be between 1 and 86400 (RFC 1939 §3 asks for at least 600).")
            .Validate(o => o.MaxAuthFailures is >= 1 and <= 100, "Appliance:Pop3:MaxAuthFailures must be between 1 and 100.")
            .Validate(o => o.MaxErrors is >= 1 and <= 1000, "Appliance:Pop3:MaxErrors must be between 1 and 1000.")
            .ValidateOnStart();
        // The mail store and MailboxEvents are the delivery pipeline's; AddMail registers them once.
        services.AddMail();
        services.AddSingleton<Pop3Locks>();
        services.AddSingleton<Pop3SizeCache>();
        services.AddSingleton<Pop3Handler>();
        return services;
    }
}
