// A deliberately bad house for FolderRulesCanFailTests: the same folder names as the app, under a
// test-only root, with a cycle (Mail <-> Smtp.Parsing), a dependency on Web from a protocol, a format that uses
// storage, a command line that uses the root, and a job that catches SQLite's exception. Beside them,
// dependencies the rules allow (Smtp -> Mail, Program -> Web, Web <-> Web.Components, Mailstore's own SQL, Storage's exception),
// which must not be reported. Nothing here runs; the rules read the compiled types.
#pragma warning disable CA1822, CA1031

namespace Appliance.Tests.Architecture.Fixture
{
    public sealed class Program
    {
        // The root may use the console.
        public Web.Page Console() => new();
    }
}

namespace Appliance.Tests.Architecture.Fixture.Web
{
    public sealed class Page
    {
        public Storage.Store Store() => new();

        // Within one folder, namespaces may use each other.
        public Components.Layout Layout() => new();
    }
}

namespace Appliance.Tests.Architecture.Fixture.Web.Components
{
    public sealed class Layout
    {
        public Page Page() => new();
    }
}

namespace Appliance.Tests.Architecture.Fixture.Mail
{
    public sealed class Submission
    {
        // Bad: the pipeline reaches back into a protocol (and makes a cycle with it).
        public Smtp.Parsing.Session Session() => new();
    }
}

namespace Appliance.Tests.Architecture.Fixture.Smtp.Parsing
{
    public sealed class Session
    {
        public Mail.Submission Submission() => new();
    }
}

namespace Appliance.Tests.Architecture.Fixture.Imap
{
    public sealed class Session
    {
        // Bad: a protocol that uses the console.
        public Web.Page Page() => new();
    }
}

namespace Appliance.Tests.Architecture.Fixture.Mime
{
    public sealed class Parser
    {
        // Bad: a pure format doing I/O through storage.
        public Storage.Store Store() => new();
    }
}

namespace Appliance.Tests.Architecture.Fixture.Cli
{
    public sealed class Commands
    {
        // Bad: the command line uses the composition root.
        public Program Root() => new();
    }
}

namespace Appliance.Tests.Architecture.Fixture.Jobs
{
    public sealed class FilteringSweeper
    {
        // Bad: SQLite's exception in an exception filter, as the sweeper once had it.
        public int Sweep(Func<int> work)
        {
            try
            {
                return work();
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException)
            {
                return -1;
            }
        }
    }

    public sealed class CatchingSweeper
    {
        // Bad: SQLite's exception in a catch clause.
        public int Sweep(Func<int> work)
        {
            try
            {
                return work();
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                return -1;
            }
        }
    }
}

namespace Appliance.Tests.Architecture.Fixture.Mailstore
{
    public sealed class Repository
    {
        // Allowed: a repository's own SQL names the connection type.
        public string Name(Microsoft.Data.Sqlite.SqliteConnection connection) => connection.DataSource;
    }
}

namespace Appliance.Tests.Architecture.Fixture.Storage
{
    public sealed class Store
    {
        // Allowed: Storage is where SQLite's errors are translated.
        public bool IsSqlite(Exception e) => e is Microsoft.Data.Sqlite.SqliteException;
    }
}
