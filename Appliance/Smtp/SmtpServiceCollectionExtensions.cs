using Appliance.Filtering.Uce;
using Appliance.Mail;
using Appliance.Mailstore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Appliance.Smtp;

public static class SmtpServiceCollectionExtensions
{
    public static IServiceCollection AddSmtp(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section)
            .Validate(o => o.MaxCommandLength is >= 512 and <= 65536, "Appliance:Smtp:MaxCommandLength must be between 512 and 65536.")
            .Validate(o => o.MaxMessageSize is >= 64 * 1024 and <= 2L * 1024 * 1024 * 1024, "Appliance:Smtp:MaxMessageSize must be between 65536 and 2147483648.")
            .Validate(o => o.MaxRecipients is >= 1 and <= 100_000, "Appliance:Smtp:MaxRecipients must be between 1 and 100000.")
            .Validate(o => o.MaxErrors is >= 1 and <= 1000, "Appliance:Smtp:MaxErrors must be between 1 and 1000.")
            .Validate(o => o.MaxAuthFailures is >= 1 and <= 100, "Appliance:Smtp:MaxAuthFailures must be between 1 and 100.")
            .Validate(o => o.CommandTimeoutSeconds is >= 1 and <= 3600, "Appliance:Smtp:CommandTimeoutSeconds must be between 1 and 3600.")
            .Validate(o => o.DataTimeoutSeconds is >= 1 and <= 3600, "Appliance:Smtp:DataTimeoutSeconds must be between 1 and 3600.")
            .Validate(o => o.MaxHops is >= 10 and <= 1000, "Appliance:Smtp:MaxHops must be between 10 and 1000.")
            .ValidateOnStart();
        // The webmail's submissions meet the same limits as SMTP's (Mail/ reads them without knowing SMTP).
        services.AddOptions<SubmissionLimits>().Configure<IOptions<SmtpOptions>>((limits, smtp) =>
        {
            limits.MaxMessageSize = smtp.Value.MaxMessageSize;
            limits.MaxRecipients = smtp.Value.MaxRecipients;
        });
        services.AddMail();
        services.AddUce();
        services.AddSingleton<SmtpServer>();
        services.AddSingleton<InboundSmtpHandler>();
        services.AddSingleton<SubmissionSmtpHandler>();
        return services;
    }
}
