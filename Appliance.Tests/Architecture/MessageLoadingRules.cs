using ArchUnitNET.Domain.Dependencies;

namespace Appliance.Tests.Architecture;

/// <summary>
/// STYLE.md "one owner per rule" and issue 9 ("no blob is read synchronously on a session's path") as a rule over
/// method calls, so that the five copies of "load a message from its blob" cannot grow back: outside <c>Mime/</c>
/// nothing but <c>Mailstore.MessageLoader</c> parses a message (<c>MimeParser.Parse</c>, <c>MimeMessage.Parse</c>), and
/// outside <c>Storage/</c> nothing but it reads a whole blob (<c>BlobStore.ReadAsync</c>, or a <c>MappedBlob</c> of its own;
/// <c>Map</c> and <c>ReadAllAsync</c>, the synchronous and the unbounded ways it replaced, stay forbidden should they return). Streaming a blob (<c>BlobStore.OpenRead</c>, asynchronous reads) stays open to
/// POP3, the queue and bounces. Calls are read from ArchUnitNET's method-call dependencies of every type, the
/// compiler's async state machines and lambda closures included, and charged to the outermost type.
/// </summary>
public sealed class MessageLoadingRules(string root)
{
    private string Loader => $"{root}.Mailstore.MessageLoader";

    /// <summary>The loader and the message it hands out (which parses on first use).</summary>
    private bool IsLoader(string typeName) => typeName == Loader || typeName == $"{root}.Mailstore.LoadedMessage";

    /// <summary>What calls a restricted member from outside the places allowed to, one line each.</summary>
    public IReadOnlyList<string> Violations(ArchUnitNET.Domain.Architecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in architecture.Types)
        {
            if (!type.FullName.StartsWith(root + ".", StringComparison.Ordinal))
            {
                continue;
            }
            var owner = Outermost(type.FullName);
            foreach (var call in type.Dependencies.OfType<MethodCallDependency>())
            {
                var target = call.TargetMember;
                var declaring = Outermost(target.DeclaringType.FullName);
                var name = target.Name;
                if (IsParse(declaring, name) && !InFolder(owner, "Mime") && !IsLoader(owner))
                {
                    found.Add($"{owner} parses a message ({declaring}.{Short(name)}); load it with MessageLoader");
                }
                else if (IsWholeBlobRead(declaring, name) && !InFolder(owner, "Storage") && !IsLoader(owner))
                {
                    found.Add($"{owner} reads a whole blob ({declaring}.{Short(name)}); load it with MessageLoader");
                }
            }
        }
        return [.. found];
    }

    private bool IsParse(string declaring, string name) =>
        (declaring == $"{root}.Mime.MimeParser" || declaring == $"{root}.Mime.MimeMessage") && name.StartsWith("Parse(", StringComparison.Ordinal);

    private bool IsWholeBlobRead(string declaring, string name) =>
        (declaring == $"{root}.Storage.BlobStore" && (name.StartsWith("Map(", StringComparison.Ordinal) || name.StartsWith("ReadAsync(", StringComparison.Ordinal) || name.StartsWith("ReadAllAsync(", StringComparison.Ordinal)))
        || (declaring == $"{root}.Storage.MappedBlob" && name.StartsWith(".ctor(", StringComparison.Ordinal));

    private bool InFolder(string typeName, string folder) => typeName.StartsWith($"{root}.{folder}.", StringComparison.Ordinal);

    /// <summary>A nested type (a state machine, a closure, a nested class) counts as the type it is written in.</summary>
    private static string Outermost(string fullName)
    {
        var cut = fullName.IndexOfAny(['+', '/']);
        return cut < 0 ? fullName : fullName[..cut];
    }

    private static string Short(string member) => member.IndexOf('(', StringComparison.Ordinal) is var paren and > 0 ? member[..paren] : member;
}
