using System.Text;

namespace Appliance.Imap.Parsing;

/// <summary><c>scope-opt = "DEPTH" SP ("0" / "1" / "infinity")</c> (RFC 5464 §4.2.2).</summary>
public enum MetadataDepth
{
    Zero,
    One,
    Infinity,
}

/// <summary>
/// RFC 5464 §3.2 entry names: <c>entry = astring</c>, a slash-separated path whose first component is "private" or
/// "shared". Entry names are case-insensitive; they are kept in lower case. No "*" or "%", no empty component
/// (so no "//" and no trailing "/"), nothing outside US-ASCII and nothing from 0x00 to 0x19.
/// </summary>
public static class MetadataEntryName
{
    /// <summary>Reads an entry name and checks it; <paramref name="rootAllowed"/>: "/private" or "/shared" alone (GETMETADATA with DEPTH).</summary>
    public static string Read(ImapParser args, bool rootAllowed)
    {
        ArgumentNullException.ThrowIfNull(args);
        var bytes = args.ReadAStringBytes().Span;
        if (bytes.Length < 2 || bytes[0] != '/' || bytes[^1] == '/')
        {
            throw new ImapSyntaxException("An entry name is a path such as /shared/comment");
        }
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] is < 0x20 or > 0x7f or (byte)'*' or (byte)'%' || (bytes[i] == '/' && i > 0 && bytes[i - 1] == '/'))
            {
                throw new ImapSyntaxException("Invalid character in entry name");
            }
        }
        var name = Encoding.ASCII.GetString(bytes).ToLowerInvariant();
        foreach (var root in new[] { Mailstore.MailStore.PrivatePrefix, Mailstore.MailStore.SharedPrefix })
        {
            if (name.StartsWith(root + "/", StringComparison.Ordinal) || (rootAllowed && name == root))
            {
                return name;
            }
        }
        throw new ImapSyntaxException(rootAllowed ? "An entry name begins with /private or /shared" : "An entry name begins with /private/ or /shared/");
    }
}

/// <summary>
/// A GETMETADATA command's arguments (RFC 5464 §4.2, §5):
/// <c>getmetadata = "GETMETADATA" [SP getmetadata-options] SP mailbox SP entries</c>,
/// <c>getmetadata-options = "(" getmetadata-option *(SP getmetadata-option) ")"</c>,
/// <c>getmetadata-option = maxsize-opt / scope-opt</c>, <c>maxsize-opt = "MAXSIZE" SP number</c>,
/// <c>entries = entry / "(" entry *(SP entry) ")"</c>. The mailbox "" names the server.
/// </summary>
public sealed record GetMetadataArguments(string Mailbox, long? MaxSize, MetadataDepth Depth, IReadOnlyList<string> Entries)
{
    /// <summary>Reads what follows the command name (from the space after it). Pure; malformed input is an <see cref="ImapSyntaxException"/>.</summary>
    public static GetMetadataArguments Parse(ImapParser args)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        long? maxSize = null;
        MetadataDepth? depth = null;
        // A mailbox is never "(": an opening parenthesis here starts the options.
        if (args.TryRead('('))
        {
            do
            {
                switch (args.ReadAtom())
                {
                    case "MAXSIZE" when maxSize is null:
                        args.ReadSpace();
                        maxSize = args.ReadNumber();
                        break;
                    case "DEPTH" when depth is null:
                        args.ReadSpace();
                        depth = args.ReadAtom() switch
                        {
                            "0" => MetadataDepth.Zero,
                            "1" => MetadataDepth.One,
                            "INFINITY" => MetadataDepth.Infinity,
                            _ => throw new ImapSyntaxException("DEPTH is 0, 1 or infinity"),
                        };
                        break;
                    case "MAXSIZE" or "DEPTH":
                        throw new ImapSyntaxException("A GETMETADATA option given twice");
                    default:
                        throw new ImapSyntaxException("Unknown GETMETADATA option");
                }
            }
            while (args.TrySpace());
            args.Expect(')');
            args.ReadSpace();
        }
        var mailbox = args.ReadMailbox();
        args.ReadSpace();
        var entries = new List<string>();
        if (args.TryRead('('))
        {
            do
            {
                entries.Add(MetadataEntryName.Read(args, rootAllowed: true));
            }
            while (args.TrySpace());
            args.Expect(')');
        }
        else
        {
            entries.Add(MetadataEntryName.Read(args, rootAllowed: true));
        }
        args.ExpectEnd();
        return new GetMetadataArguments(mailbox, maxSize, depth ?? MetadataDepth.Zero, entries);
    }
}

/// <summary>
/// A SETMETADATA command's arguments (RFC 5464 §4.3, §5):
/// <c>setmetadata = "SETMETADATA" SP mailbox SP "(" entry-value *(SP entry-value) ")"</c>,
/// <c>entry-value = entry SP value</c>, <c>value = nstring / literal8</c>. A null value (NIL) removes the entry.
/// </summary>
public sealed record SetMetadataArguments(string Mailbox, IReadOnlyList<(string Entry, ReadOnlyMemory<byte>? Value)> Values)
{
    /// <summary>Reads what follows the command name (from the space after it). Pure; malformed input is an <see cref="ImapSyntaxException"/>.</summary>
    public static SetMetadataArguments Parse(ImapParser args)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        var mailbox = args.ReadMailbox();
        args.ReadSpace();
        args.Expect('(');
        var values = new List<(string, ReadOnlyMemory<byte>?)>();
        do
        {
            var entry = MetadataEntryName.Read(args, rootAllowed: false);
            args.ReadSpace();
            values.Add((entry, Value(args)));
        }
        while (args.TrySpace());
        args.Expect(')');
        args.ExpectEnd();
        return new SetMetadataArguments(mailbox, values);
    }

    /// <summary><c>value = nstring / literal8</c>, with RFC 3516's <c>literal8 = "~{" number ["+"] "}" CRLF *OCTET</c>.</summary>
    private static ReadOnlyMemory<byte>? Value(ImapParser args)
    {
        if (args.NextIsWord("NIL"))
        {
            args.ReadAtom();
            return null;
        }
        if (args.TryRead('~'))
        {
            return args.ReadLiteral();
        }
        return args.ReadStringBytes();
    }
}
