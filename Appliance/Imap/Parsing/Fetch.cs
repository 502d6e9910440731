using System.Globalization;
using System.Text;

namespace Appliance.Imap.Parsing;

/// <summary>What one <c>fetch-att</c> asks for.</summary>
public enum FetchAttribute
{
    Uid,
    Flags,
    InternalDate,
    Rfc822Size,
    Envelope,
    /// <summary><c>"BODY"</c> without a section: the non-extensible BODYSTRUCTURE.</summary>
    Body,
    BodyStructure,
    /// <summary>CONDSTORE's <c>"MODSEQ"</c> (RFC 7162 §3.1.4.1).</summary>
    Modseq,
    /// <summary>OBJECTID's <c>"EMAILID"</c> (RFC 8474 §5.1).</summary>
    EmailId,
    /// <summary>OBJECTID's <c>"THREADID"</c> (RFC 8474 §5.2).</summary>
    ThreadId,
    /// <summary>PREVIEW's <c>"PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"]</c> (RFC 8970 §3); see <see cref="FetchItem.Lazy"/>.</summary>
    Preview,
    /// <summary>SAVEDATE's <c>"SAVEDATE"</c> (RFC 8514 §3).</summary>
    SaveDate,
    /// <summary>Message bytes: <c>BODY[section]</c>, <c>BODY.PEEK[section]</c>, <c>RFC822</c>, <c>RFC822.HEADER</c>, <c>RFC822.TEXT</c>.</summary>
    Section,
    /// <summary>RFC 3516's <c>BINARY[section-binary]</c> and <c>BINARY.PEEK</c>: a part with its transfer encoding undone.</summary>
    Binary,
    /// <summary>RFC 3516's <c>BINARY.SIZE[section-binary]</c>: the length of that decoded part.</summary>
    BinarySize,
}

/// <summary>The text part of a section: <c>section-text = section-msgtext / "MIME"</c>, or nothing (the whole part).</summary>
public enum SectionText
{
    Whole,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    Mime,
}

/// <summary>
/// <c>section-spec = section-msgtext / (section-part ["." section-text])</c>,
/// <c>section-part = nz-number *("." nz-number)</c>,
/// <c>section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"</c>.
/// </summary>
public sealed record FetchSection(IReadOnlyList<int> Part, SectionText Text, IReadOnlyList<string> Fields)
{
    public static FetchSection Whole { get; } = new([], SectionText.Whole, []);
    public static FetchSection Header { get; } = new([], SectionText.Header, []);
    public static FetchSection BodyText { get; } = new([], SectionText.Text, []);

    /// <summary>The whole message or part: <c>BODY[]</c>, <c>BODY[2]</c>.</summary>
    public bool IsWhole => Text == SectionText.Whole;

    /// <summary>The spec as the answer names it, between the brackets: upper case, single spaces.</summary>
    public string Spec
    {
        get
        {
            var text = new StringBuilder(string.Join('.', Part.Select(p => p.ToString(CultureInfo.InvariantCulture))));
            if (Text != SectionText.Whole && Part.Count > 0)
            {
                text.Append('.');
            }
            text.Append(Text switch
            {
                SectionText.Header => "HEADER",
                SectionText.HeaderFields => "HEADER.FIELDS",
                SectionText.HeaderFieldsNot => "HEADER.FIELDS.NOT",
                SectionText.Text => "TEXT",
                SectionText.Mime => "MIME",
                _ => "",
            });
            if (Fields.Count > 0)
            {
                text.Append(" (").AppendJoin(' ', Fields.Select(FieldName)).Append(')');
            }
            return text.ToString();
        }
    }

    // Field names are RFC 5322 ftext; the ones that are not IMAP atoms are quoted back.
    private static string FieldName(string name) =>
        name.All(c => c is > ' ' and < '\x7f' and not ('(' or ')' or '{' or '%' or '*' or '"' or '\\'))
            ? name
            : "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary><c>partial = "&lt;" number "." nz-number "&gt;"</c>: an octet range of a section.</summary>
public readonly record struct FetchPartial(long Start, long Length);

/// <summary>
/// One item of the answer. For sections, <see cref="Label"/> is the name the answer gives it
/// (<c>BODY[HEADER]</c>, <c>RFC822.TEXT</c>), and <see cref="Peek"/> whether reading leaves \Seen alone.
/// <see cref="Lazy"/> is PREVIEW's <c>preview-mod = "LAZY"</c>: NIL rather than wait for a preview not made yet.
/// </summary>
public sealed record FetchItem(FetchAttribute Attribute, FetchSection? Section = null, bool Peek = false, FetchPartial? Partial = null, string Label = "", bool Lazy = false)
{
    public static FetchItem Uid { get; } = new(FetchAttribute.Uid);
    public static FetchItem Flags { get; } = new(FetchAttribute.Flags);
    public static FetchItem InternalDate { get; } = new(FetchAttribute.InternalDate);
    public static FetchItem Rfc822Size { get; } = new(FetchAttribute.Rfc822Size);
    public static FetchItem Envelope { get; } = new(FetchAttribute.Envelope);
    public static FetchItem Body { get; } = new(FetchAttribute.Body);
    public static FetchItem BodyStructure { get; } = new(FetchAttribute.BodyStructure);
    public static FetchItem Modseq { get; } = new(FetchAttribute.Modseq);
    public static FetchItem EmailId { get; } = new(FetchAttribute.EmailId);
    public static FetchItem ThreadId { get; } = new(FetchAttribute.ThreadId);
    public static FetchItem SaveDate { get; } = new(FetchAttribute.SaveDate);
    public static FetchItem Preview { get; } = new(FetchAttribute.Preview);
    public static FetchItem LazyPreview { get; } = new(FetchAttribute.Preview, Lazy: true);

    /// <summary>Reading this item without PEEK marks the message \Seen (RFC 3501 §6.4.5).</summary>
    public bool SetsSeen => Attribute is FetchAttribute.Section or FetchAttribute.Binary && !Peek;
}

/// <summary>
/// <c>fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"</c> (RFC 4466 §2.4), of which this server
/// knows <c>chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value</c> (RFC 7162 §3.1.4.1) and
/// <c>rexpunges-fetch-mod = "VANISHED"</c> (RFC 7162 §3.2.6).
/// </summary>
public sealed record FetchModifiers(long? ChangedSince, bool Vanished = false)
{
    public static FetchModifiers None { get; } = new(ChangedSince: null);
}

/// <summary>
/// A FETCH or UID FETCH command's arguments (RFC 3501 §6.4.5, RFC 9051 §6.4.5):
/// <c>fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]</c>.
/// The macros are expanded: ALL is <c>(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)</c>, FAST is the first three,
/// FULL adds BODY to ALL.
/// </summary>
public sealed record FetchArguments(SequenceSet Set, bool Uid, IReadOnlyList<FetchItem> Items, FetchModifiers Modifiers)
{
    /// <summary>
    /// Reads what follows the command name (from the space after it) to the end of the command.
    /// Pure; malformed input is an <see cref="ImapSyntaxException"/> whose text becomes the BAD reply.
    /// </summary>
    public static FetchArguments Parse(ImapParser args, bool uid)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        var set = args.ReadSequenceSet();
        args.ReadSpace();
        var items = new List<FetchItem>();
        if (args.TryRead('('))
        {
            do
            {
                items.AddRange(FetchAtt(args, allowMacro: false));
            }
            while (args.TrySpace());
            args.Expect(')');
        }
        else
        {
            items.AddRange(FetchAtt(args, allowMacro: true));
        }
        var modifiers = args.TrySpace() ? FetchModifierList(args) : FetchModifiers.None;
        args.ExpectEnd();
        return new FetchArguments(set, uid, items, modifiers);
    }

    /// <summary>
    /// <c>fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
    /// "BODY" ["STRUCTURE"] / "UID" / "BODY" section [partial] / "BODY.PEEK" section [partial]</c>,
    /// with RFC 7162's <c>fetch-att =/ "MODSEQ"</c> and RFC 8474's <c>fetch-att =/ "EMAILID" / "THREADID"</c>, RFC 8514's <c>fetch-att =/ "SAVEDATE"</c>, RFC 8970's PREVIEW; the macros
    /// only where they stand alone.
    /// </summary>
    internal static IEnumerable<FetchItem> FetchAtt(ImapParser args, bool allowMacro)
    {
        var name = args.ReadItemName();
        switch (name)
        {
            case "ALL" when allowMacro: return [FetchItem.Flags, FetchItem.InternalDate, FetchItem.Rfc822Size, FetchItem.Envelope];
            case "FAST" when allowMacro: return [FetchItem.Flags, FetchItem.InternalDate, FetchItem.Rfc822Size];
            case "FULL" when allowMacro: return [FetchItem.Flags, FetchItem.InternalDate, FetchItem.Rfc822Size, FetchItem.Envelope, FetchItem.Body];
            case "ALL" or "FAST" or "FULL": throw new ImapSyntaxException($"The FETCH macro {name} cannot be in a list");
            case "UID": return [FetchItem.Uid];
            case "FLAGS": return [FetchItem.Flags];
            case "INTERNALDATE": return [FetchItem.InternalDate];
            case "RFC822.SIZE": return [FetchItem.Rfc822Size];
            case "ENVELOPE": return [FetchItem.Envelope];
            case "BODYSTRUCTURE": return [FetchItem.BodyStructure];
            case "MODSEQ": return [FetchItem.Modseq];
            case "EMAILID": return [FetchItem.EmailId];
            case "THREADID": return [FetchItem.ThreadId];
            case "SAVEDATE": return [FetchItem.SaveDate];
            case "PREVIEW": return [PreviewModifiers(args) ? FetchItem.LazyPreview : FetchItem.Preview];
            // RFC 3501 §6.4.5: RFC822 is BODY[], RFC822.HEADER is BODY.PEEK[HEADER], RFC822.TEXT is BODY[TEXT].
            case "RFC822": return [new(FetchAttribute.Section, FetchSection.Whole, Peek: false, Label: "RFC822")];
            case "RFC822.HEADER": return [new(FetchAttribute.Section, FetchSection.Header, Peek: true, Label: "RFC822.HEADER")];
            case "RFC822.TEXT": return [new(FetchAttribute.Section, FetchSection.BodyText, Peek: false, Label: "RFC822.TEXT")];
            case "BODY" when !args.NextIs('['): return [FetchItem.Body];
            // RFC 3516 §4.2: fetch-att =/ "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary.
            case "BINARY" or "BINARY.PEEK":
                var binary = SectionBinary(args);
                var binaryPartial = args.NextIs('<') ? Partial(args) : (FetchPartial?)null;
                return [new(FetchAttribute.Binary, binary, Peek: name == "BINARY.PEEK", binaryPartial, $"BINARY[{binary.Spec}]")];
            case "BINARY.SIZE":
                var sized = SectionBinary(args);
                return [new(FetchAttribute.BinarySize, sized, Label: $"BINARY.SIZE[{sized.Spec}]")];
            case "BODY" or "BODY.PEEK":
                var section = Section(args);
                var partial = args.NextIs('<') ? Partial(args) : (FetchPartial?)null;
                return [new(FetchAttribute.Section, section, Peek: name == "BODY.PEEK", partial, $"BODY[{section.Spec}]")];
            default:
                throw new ImapSyntaxException($"Unknown FETCH item {name}");
        }
    }

    /// <summary>
    /// <c>[SP "(" preview-mod *(SP preview-mod) ")"]</c>, <c>preview-mod = "LAZY"</c> (RFC 8970 §3.1); true for LAZY. A space
    /// and "(" not followed by LAZY are the next item's or the command's modifiers: <c>PREVIEW (CHANGEDSINCE 5)</c>.
    /// </summary>
    private static bool PreviewModifiers(ImapParser args)
    {
        var mark = args.Position;
        if (!args.TrySpace() || !args.TryRead('(') || !args.NextIsWord("LAZY"))
        {
            args.Rewind(mark);
            return false;
        }
        do
        {
            if (args.ReadAtom() != "LAZY")
            {
                throw new ImapSyntaxException("Unknown PREVIEW modifier");
            }
        }
        while (args.TrySpace());
        args.Expect(')');
        return true;
    }

    /// <summary><c>section = "[" [section-spec] "]"</c>.</summary>
    public static FetchSection Section(ImapParser args)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.Expect('[');
        if (args.TryRead(']'))
        {
            return FetchSection.Whole;
        }
        var part = new List<int>();
        var text = SectionText.Whole;
        IReadOnlyList<string> fields = [];
        while (args.NextIsDigit())
        {
            part.Add((int)args.ReadNzNumber(int.MaxValue));
            if (!args.TryRead('.'))
            {
                break;
            }
            if (!args.NextIsDigit())
            {
                text = SectionTextName(args, afterPart: true);
                break;
            }
        }
        if (part.Count == 0)
        {
            text = SectionTextName(args, afterPart: false);
        }
        if (text is SectionText.HeaderFields or SectionText.HeaderFieldsNot)
        {
            args.ReadSpace();
            fields = HeaderList(args);
        }
        args.Expect(']');
        return new FetchSection(part, text, fields);
    }

    /// <summary><c>section-binary = "[" [section-part] "]"</c> (RFC 3516 §4.2).</summary>
    private static FetchSection SectionBinary(ImapParser args)
    {
        args.Expect('[');
        var part = new List<int>();
        if (!args.NextIs(']'))
        {
            do
            {
                part.Add((int)args.ReadNzNumber(int.MaxValue));
            }
            while (args.TryRead('.'));
        }
        args.Expect(']');
        return part.Count == 0 ? FetchSection.Whole : new FetchSection(part, SectionText.Whole, []);
    }

    /// <summary><c>section-text = section-msgtext / "MIME"</c>; MIME only after a part number.</summary>
    private static SectionText SectionTextName(ImapParser args, bool afterPart)
    {
        var name = args.AtEnd || args.NextIs(']') ? "" : args.ReadAtom();
        return name switch
        {
            "HEADER" => SectionText.Header,
            "HEADER.FIELDS" => SectionText.HeaderFields,
            "HEADER.FIELDS.NOT" => SectionText.HeaderFieldsNot,
            "TEXT" => SectionText.Text,
            "MIME" when afterPart => SectionText.Mime,
            _ => throw new ImapSyntaxException(name.Length == 0 ? "Bad section" : $"Bad section {name}"),
        };
    }

    /// <summary><c>header-list = "(" header-fld-name *(SP header-fld-name) ")"</c>, <c>header-fld-name = astring</c>.</summary>
    private static List<string> HeaderList(ImapParser args)
    {
        args.Expect('(');
        var fields = new List<string>();
        do
        {
            var field = args.ReadAString();
            // RFC 5322 §3.6.8: ftext = %d33-57 / %d59-126.
            if (field.Length == 0 || field.Any(c => c is <= ' ' or ':' or >= '\x7f'))
            {
                throw new ImapSyntaxException("Bad header field name");
            }
            fields.Add(field.ToUpperInvariant());
        }
        while (args.TrySpace());
        args.Expect(')');
        return fields;
    }

    /// <summary><c>partial = "&lt;" number "." nz-number "&gt;"</c>.</summary>
    private static FetchPartial Partial(ImapParser args)
    {
        args.Expect('<');
        var start = args.ReadNumber();
        args.Expect('.');
        var length = args.ReadNzNumber();
        args.Expect('>');
        return new FetchPartial(start, length);
    }

    /// <summary>
    /// <c>fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"</c>;
    /// <c>chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value</c>, <c>mod-sequence-value = 1*DIGIT</c> (up to 2^63-1).
    /// </summary>
    private static FetchModifiers FetchModifierList(ImapParser args)
    {
        args.Expect('(');
        long? changedSince = null;
        var vanished = false;
        do
        {
            switch (args.ReadAtom())
            {
                case "CHANGEDSINCE":
                    args.ReadSpace();
                    changedSince = args.ReadNumber(long.MaxValue);
                    break;
                case "VANISHED":
                    vanished = true;
                    break;
                default:
                    throw new ImapSyntaxException("Unknown FETCH modifier");
            }
        }
        while (args.TrySpace());
        args.Expect(')');
        return new FetchModifiers(changedSince, vanished);
    }
}
