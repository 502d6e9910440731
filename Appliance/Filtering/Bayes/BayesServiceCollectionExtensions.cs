using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Bayes;

public static class BayesServiceCollectionExtensions
{
    /// <summary>
    /// The per-user <see cref="BayesClassifier"/>, with <see cref="BayesOptions"/> bound to <c>Appliance:Filtering:Bayes</c> and checked at
    /// start. It needs <c>AddStorage()</c> (its tables, the group commit) and <c>AddMailstore()</c> (the message loader).
    /// </summary>
    public static IServiceCollection AddBayes(this IServiceCollection services)
    {
        services.AddOptions<BayesOptions>().BindConfiguration(BayesOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BayesOptions>, BayesOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BayesStore>();
        services.TryAddSingleton<BayesClassifier>();
        return services;
    }
}
