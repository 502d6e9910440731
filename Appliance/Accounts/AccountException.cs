namespace Appliance.Accounts;

/// <summary>
/// A request the account services refuse, with the resource key of the message to show and its
/// arguments. The console and the command line localize <see cref="Key"/>; nothing was written.
/// </summary>
public sealed class AccountException : Exception
{
    public AccountException(string key, params object[] arguments)
        : base(Format(key, arguments))
    {
        Key = key;
        Arguments = arguments;
    }

    public AccountException() : this("Error.Unknown") { }

    public AccountException(string message, Exception innerException) : base(message, innerException)
    {
        Key = "Error.Unknown";
        Arguments = [];
    }

    public string Key { get; }
    public IReadOnlyList<object> Arguments { get; }

    private static string Format(string key, object[] arguments) =>
        arguments.Length == 0 ? key : $"{key}: {string.Join(", ", arguments)}";
}

/// <summary>The actor may not do this (a non-administrator calling an administrator's action).</summary>
public sealed class ForbiddenException : Exception
{
    public ForbiddenException() : base("Forbidden.") { }
    public ForbiddenException(string message) : base(message) { }
    public ForbiddenException(string message, Exception innerException) : base(message, innerException) { }
}
