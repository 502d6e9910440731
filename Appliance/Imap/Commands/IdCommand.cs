namespace Appliance.Imap.Commands;

/// <summary>RFC 2971 ID: the client's identification is read and ignored; the server names itself.</summary>
public sealed class IdCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["ID"];
    public override IReadOnlyList<ImapState> AllowedIn => Any;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        if (!request.Args.TryRead('('))
        {
            if (request.Args.ReadNString() is not null)
            {
                throw new Parsing.ImapSyntaxException("ID takes a list or NIL");
            }
        }
        else if (!request.Args.TryRead(')'))
        {
            var fields = 0;
            do
            {
                request.Args.ReadStringBytes();
                request.Args.ReadSpace();
                request.Args.ReadNString();
                if (++fields > 30)
                {
                    throw new Parsing.ImapSyntaxException("Too many ID fields");
                }
            }
            while (request.Args.TrySpace());
            request.Args.Expect(')');
        }
        request.Args.ExpectEnd();
        session.WriteLine("* ID (\"name\" \"Appliance\" \"vendor\" \"Appliance\")");
        await session.OkAsync(request, "ID completed").ConfigureAwait(false);
    }
}
