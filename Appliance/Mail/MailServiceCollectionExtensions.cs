using Appliance.Dns;
using Appliance.Filtering;
using Appliance.Mailstore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Appliance.Mail;

public static class MailServiceCollectionExtensions
{
    /// <summary>The delivery pipeline: mail store, recipients, submission rules, local delivery, webmail submission, queue, outbound delivery and bounces.</summary>
    public static IServiceCollection AddMail(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(DeliveryAgent)))
        {
            return services;
        }
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section)
            .Validate(o => o.MessageLifetimeHours is >= 1 and <= 24 * 30, "Appliance:Delivery:MessageLifetimeHours must be between 1 and 720.")
            .Validate(o => o.RetryMinutes >= 1 && o.MaxRetryMinutes >= o.RetryMinutes && o.MaxRetryMinutes <= 24 * 60, "Appliance:Delivery:RetryMinutes must be at least 1 and at most MaxRetryMinutes (at most 1440).")
            .Validate(o => o.TimeoutSeconds is >= 1 and <= 3600, "Appliance:Delivery:TimeoutSeconds must be between 1 and 3600.")
            .Validate(o => o.MaxParallelDeliveries is >= 1 and <= 256, "Appliance:Delivery:MaxParallelDeliveries must be between 1 and 256.")
            .Validate(o => o.MxPort is >= 1 and <= 65535, "Appliance:Delivery:MxPort must be a port.")
            .Validate(o => o.Routes.Values.All(v => !string.IsNullOrWhiteSpace(v)), "Appliance:Delivery:Routes entries must be host or host:port.")
            .ValidateOnStart();
        services.AddOptions<SieveDeliveryOptions>().BindConfiguration(SieveDeliveryOptions.Section)
            .Validate(o => o.MaxRedirects is >= 0 and <= 32, "Appliance:SieveDelivery:MaxRedirects must be between 0 and 32.")
            .Validate(o => o.MaxHops is >= 1 and <= 100, "Appliance:SieveDelivery:MaxHops must be between 1 and 100.")
            .Validate(o => o.SrsMaxAgeDays is >= 1 and <= 1000, "Appliance:SieveDelivery:SrsMaxAgeDays must be between 1 and 1000.")
            .Validate(o => o.MinVacationDays >= 1 && o.MaxVacationDays >= o.MinVacationDays && o.MaxVacationDays <= 365
                && o.DefaultVacationDays >= o.MinVacationDays && o.DefaultVacationDays <= o.MaxVacationDays,
                "Appliance:SieveDelivery: vacation days must satisfy 1 <= MinVacationDays <= DefaultVacationDays <= MaxVacationDays <= 365.")
            .ValidateOnStart();
        services.AddDns();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMailstore();
        services.AddFiltering();
        services.AddSingleton<QuarantineNotices>();
        services.AddSingleton<Quarantine>();
        services.AddSingleton<JunkTraining>();
        services.AddSingleton<Srs>();
        services.AddSingleton<VacationReplies>();
        services.AddSingleton<SieveDelivery>();
        services.AddSingleton<MailboxWriter>();
        services.AddSingleton<MessageLog>();
        services.AddSingleton<OutboundQueue>();
        services.AddSingleton<RecipientResolver>();
        services.AddSingleton<DeliveryAgent>();
        services.AddSingleton<SubmissionPolicy>();
        services.AddSingleton<Submission>();
        services.AddSingleton<Bouncer>();
        services.AddSingleton<QueueRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueRunner>());
        return services;
    }
}
