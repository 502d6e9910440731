namespace Appliance.Imap.Parsing;

/// <summary><c>thread-alg = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext</c> (RFC 5256 §4); only these two are offered.</summary>
public enum ThreadAlgorithm
{
    OrderedSubject,
    References,
}

/// <summary>
/// A THREAD or UID THREAD command's arguments (RFC 5256 §4):
/// <c>thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria</c>,
/// <c>search-criteria = charset 1*(SP search-key)</c>.
/// </summary>
public sealed record ThreadArguments(bool Uid, ThreadAlgorithm Algorithm, string Charset, SearchKey Key)
{
    /// <summary>Reads what follows the command name (from the space after it) to the end of the command. Pure.</summary>
    public static ThreadArguments Parse(ImapParser args, bool uid)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        var name = args.ReadAtom();
        var algorithm = name switch
        {
            "ORDEREDSUBJECT" => ThreadAlgorithm.OrderedSubject,
            "REFERENCES" => ThreadAlgorithm.References,
            _ => throw new ImapSyntaxException($"Unknown threading algorithm {name}"),
        };
        args.ReadSpace();
        var charset = ReadCharset(args);
        args.ReadSpace();
        return new ThreadArguments(uid, algorithm, charset, SearchArguments.ReadSearchKeys(args));
    }

    /// <summary><c>charset = atom / quoted</c> (RFC 3501 §9).</summary>
    internal static string ReadCharset(ImapParser args) =>
        args.NextIs('"') ? System.Text.Encoding.UTF8.GetString(args.ReadStringBytes().Span) : args.ReadAtom(upper: false);
}
