using Appliance.Mime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Appliance.Mailstore;

public static class MailstoreServiceCollectionExtensions
{
    /// <summary>Mailboxes, summaries and the text index, with the limits of how much of one message they take.</summary>
    public static IServiceCollection AddMailstore(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(MailStore)))
        {
            return services;
        }
        services.AddOptions<MimeParserOptions>().BindConfiguration(MimeParserOptions.Section)
            .Validate(o => o.MaxDepth is >= 1 and <= 1000, "Appliance:Mime:MaxDepth must be between 1 and 1000.")
            .Validate(o => o.MaxParts is >= 10 and <= 1_000_000, "Appliance:Mime:MaxParts must be between 10 and 1000000.")
            .Validate(o => o.MaxHeaderFields is >= 50 and <= 1_000_000, "Appliance:Mime:MaxHeaderFields must be between 50 and 1000000.")
            .Validate(o => o.MaxFieldBytes is >= 1024 and <= 64 * 1024 * 1024, "Appliance:Mime:MaxFieldBytes must be between 1024 and 67108864.")
            .ValidateOnStart();
        services.AddOptions<MailstoreOptions>().BindConfiguration(MailstoreOptions.Section)
            .Validate(o => o.MaxSummaryFieldChars is >= 100 and <= 1_000_000, "Appliance:Mailstore:MaxSummaryFieldChars must be between 100 and 1000000.")
            .Validate(o => o.MaxIndexedBodyBytes is >= 4096 and <= 256 * 1024 * 1024, "Appliance:Mailstore:MaxIndexedBodyBytes must be between 4096 and 268435456.")
            .Validate(o => o.MaxIndexedHeaderChars is >= 1024 and <= 64 * 1024 * 1024, "Appliance:Mailstore:MaxIndexedHeaderChars must be between 1024 and 67108864.")
            .Validate(o => o.ExpungedUidRetentionDays is >= 1 and <= 36500, "Appliance:Mailstore:ExpungedUidRetentionDays must be between 1 and 36500.")
            .Validate(o => o.FolderResultCacheBytes is >= 0 and <= 16L << 30, "Appliance:Mailstore:FolderResultCacheBytes must be between 0 and 17179869184.")
            .ValidateOnStart();
        // The parser's limits as one shared value: every path that parses a stored message cuts it the same way.
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<MimeParserOptions>>().Value);
        services.AddSingleton<MailStore>();
        services.AddSingleton<MessageLoader>();
        services.AddSingleton<MailboxEvents>();
        services.AddSingleton<TextIndex>();
        services.AddSingleton<MessageSummaries>();
        return services;
    }
}
