using Appliance.Imap.Commands;
using Appliance.Protocols;

namespace Appliance.Imap;

/// <summary>A command of its own file in <c>Commands/</c>.</summary>
public abstract class ImapCommand
{
    protected static readonly ImapState[] Any = [ImapState.NotAuthenticated, ImapState.Authenticated, ImapState.Selected];
    protected static readonly ImapState[] NotAuthenticated = [ImapState.NotAuthenticated];
    protected static readonly ImapState[] Authenticated = [ImapState.Authenticated, ImapState.Selected];
    protected static readonly ImapState[] Selected = [ImapState.Selected];

    /// <summary>The names this class answers to (SELECT and EXAMINE share one, for instance).</summary>
    public abstract IReadOnlyList<string> Names { get; }
    public abstract IReadOnlyList<ImapState> AllowedIn { get; }
    public abstract Task RunAsync(ImapSession session, ImapRequest request);
}

/// <summary>The commands this server knows, and the capabilities it announces.</summary>
public static class ImapCommands
{
    private static readonly Dictionary<string, ImapCommand> s_byName = Build(
        new CapabilityCommand(), new NoopCommand(), new LogoutCommand(), new StartTlsCommand(), new LoginCommand(),
        new AuthenticateCommand(), new IdCommand(), new EnableCommand(), new NamespaceCommand(), new ListCommand(),
        new StatusCommand(), new CreateCommand(), new DeleteCommand(), new RenameCommand(), new SubscribeCommand(),
        new SelectCommand(), new CloseCommand(), new ExpungeCommand(), new AppendCommand(), new FetchCommand(),
        new StoreCommand(), new CopyCommand(), new SearchCommand(), new SortCommand(), new ThreadCommand(), new IdleCommand(), new GetQuotaRootCommand(), new GetQuotaCommand(), new SetQuotaCommand(),
        new MyRightsCommand(), new GetAclCommand(), new ListRightsCommand(), new SetAclCommand(),
        new GetMetadataCommand(), new SetMetadataCommand(), new NotifyCommand(), new CompressCommand());

    private static Dictionary<string, ImapCommand> Build(params ImapCommand[] commands)
    {
        var map = new Dictionary<string, ImapCommand>(StringComparer.Ordinal);
        foreach (var command in commands)
        {
            foreach (var name in command.Names)
            {
                map.Add(name, command);
            }
        }
        return map;
    }

    public static ImapCommand? Find(string name) => s_byName.GetValueOrDefault(name);

    /// <summary>RFC 3501 §7.2.1, with what the session's state allows: passwords only where they are safe.</summary>
    public static string Capabilities(ImapSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var caps = new List<string> { "IMAP4rev1", ImapSession.Rev2Capability };
        if (session.State == ImapState.NotAuthenticated)
        {
            if (!session.IsTls) caps.Add("STARTTLS");
            if (session.PasswordsAllowed)
            {
                caps.AddRange(["AUTH=PLAIN", "AUTH=" + ScramServer.Mechanism]);
            }
            else
            {
                caps.Add("LOGINDISABLED");
            }
        }
        // RFC 7888: LITERAL+ takes any size; LITERAL- (also part of IMAP4rev2) up to 4096 octets.
        caps.AddRange(session.Services.Options.LiteralPlus ? ["SASL-IR", "LITERAL+", "LITERAL-"] : ["SASL-IR", "LITERAL-"]);
        caps.AddRange(["MULTIAPPEND", "CATENATE", "BINARY", "ID", "ENABLE", "IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CHILDREN",
            "SPECIAL-USE", "ACL", "RIGHTS=kxte", "LIST-EXTENDED", "LIST-STATUS", "ESEARCH", "SEARCHRES", "SORT", "SORT=DISPLAY", "ESORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "CONDSTORE", "QRESYNC", "QUOTA", "QUOTA=RES-STORAGE", "METADATA", "NOTIFY", "STATUS=SIZE", ImapSession.Utf8AcceptCapability, ObjectIds.Capability, "SAVEDATE", "PREVIEW", "APPENDLIMIT=" + session.Services.Options.MaxLiteralSize.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (session.State != ImapState.NotAuthenticated && session.Services.Options.Compress && !session.IsCompressed)
        {
            caps.Add(CompressCommand.Capability);
        }
        return string.Join(' ', caps);
    }
}
