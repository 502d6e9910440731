namespace Appliance.Mime;

/// <summary>The text parts a reader reads: the first text/plain and the first text/html of the message's own tree that are not attachments.</summary>
public readonly record struct MessageBodies(MimeEntity? Plain, MimeEntity? Html)
{
    /// <summary>What the reading pane shows: the HTML where the sender offered it, else the plain text.</summary>
    public MimeEntity? Preferred => Html ?? Plain;
}

/// <summary>
/// Which parts of a message are its attachments: the one rule behind the list's paperclip, the reading pane's
/// attachment list and what a forward carries over, so that the three never disagree. It is what Thunderbird and
/// Outlook users expect; a part of the message's own tree (an attached message counts as one part, its insides are
/// its own) is an attachment when, in this order:
/// <list type="number">
/// <item>it is a multipart: never, it is a container;</item>
/// <item>it is the signature of a multipart/signed (its second part, RFC 1847 §2.1) or the control part of a
/// multipart/encrypted (its first): never, clients show a badge, not a file, even for a named <c>smime.p7s</c>;</item>
/// <item>its Content-Disposition is <c>attachment</c> (RFC 2183 §2.2): always, whatever its type; a text/plain
/// sent as a file is a file;</item>
/// <item>it is an attached message (message/rfc822, message/global): always;</item>
/// <item>it sits in a multipart/related and has a Content-ID: never; it is a resource of the HTML beside it
/// (RFC 2387, an image shown through <c>cid:</c>), even when it is named and marked <c>inline</c>: it is part of
/// the body, shown there, not listed, and not carried by a forward (which quotes the body as text);</item>
/// <item>it has a file name (the disposition's <c>filename</c> or the type's <c>name</c>): always, also when marked
/// <c>inline</c>, as Apple Mail sends files and Outlook and Thunderbird still list them;</item>
/// <item>it is text/plain, text/html or text/enriched: never; it is a body, its alternative, or text shown in line
/// (a mailing list's footer);</item>
/// <item>anything else (an image, a calendar, winmail.dat, an unnamed application/octet-stream): always, as
/// Thunderbird lists an unnamed part as "Part 1.2".</item>
/// </list>
/// The bodies (<see cref="Bodies"/>) are chosen among the parts that are not attachments, so a text part is either.
/// Pure; the walk is an explicit stack, and the parser already bounds the tree (<see cref="MimeParserOptions"/>).
/// </summary>
public static class Attachments
{
    /// <summary>The message's attachments in order (depth first), not entering attached messages.</summary>
    public static IReadOnlyList<MimeEntity> Of(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var found = new List<MimeEntity>();
        foreach (var (entity, parent) in OwnParts(message))
        {
            if (IsAttachment(entity, parent))
            {
                found.Add(entity);
            }
        }
        return found;
    }

    /// <summary>Whether the message has any attachment (the list's paperclip).</summary>
    public static bool Any(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var (entity, parent) in OwnParts(message))
        {
            if (IsAttachment(entity, parent))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The rule above for <paramref name="entity"/>, a part whose enclosing multipart is <paramref name="parent"/>
    /// (null for the message's root).
    /// </summary>
    public static bool IsAttachment(MimeEntity entity, MimeEntity? parent)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.IsMultipart)
        {
            return false;
        }
        if (parent is not null && IsProtocolPart(entity, parent))
        {
            return false;
        }
        if (entity.ContentDisposition?.IsAttachment == true)
        {
            return true;
        }
        if (entity.ContentType.IsMessage)
        {
            return true;
        }
        if (parent is not null && parent.ContentType.Is("multipart", "related") && !string.IsNullOrWhiteSpace(entity.ContentId))
        {
            return false;
        }
        if (!string.IsNullOrWhiteSpace(entity.FileName))
        {
            return true;
        }
        return !IsReadableText(entity.ContentType);
    }

    /// <summary>The first text/plain and text/html parts of the message's own tree that are not attachments.</summary>
    public static MessageBodies Bodies(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        MimeEntity? plain = null, html = null;
        foreach (var (entity, parent) in OwnParts(message))
        {
            if (entity.IsMultipart || !entity.ContentType.IsText || IsAttachment(entity, parent))
            {
                continue;
            }
            if (plain is null && entity.ContentType.Is("text", "plain"))
            {
                plain = entity;
            }
            else if (html is null && entity.ContentType.Is("text", "html"))
            {
                html = entity;
            }
        }
        return new MessageBodies(plain, html);
    }

    /// <summary>The message's own entities with the multipart each sits in, depth first, not entering attached messages.</summary>
    public static IEnumerable<(MimeEntity Entity, MimeEntity? Parent)> OwnParts(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var stack = new Stack<(MimeEntity, MimeEntity?)>();
        stack.Push((message.Root, null));
        while (stack.Count > 0)
        {
            var (entity, parent) = stack.Pop();
            yield return (entity, parent);
            for (var i = entity.Children.Count - 1; i >= 0; i--)
            {
                stack.Push((entity.Children[i], entity));
            }
        }
    }

    private static bool IsReadableText(ContentType type) =>
        type.Is("text", "plain") || type.Is("text", "html") || type.Is("text", "enriched");

    /// <summary>RFC 1847: the second part of multipart/signed is the signature, the first of multipart/encrypted the control information.</summary>
    private static bool IsProtocolPart(MimeEntity entity, MimeEntity parent)
    {
        var children = parent.Children;
        if (parent.ContentType.Is("multipart", "signed"))
        {
            return children.Count > 1 && ReferenceEquals(children[1], entity);
        }
        if (parent.ContentType.Is("multipart", "encrypted"))
        {
            return children.Count > 0 && ReferenceEquals(children[0], entity);
        }
        return false;
    }
}
