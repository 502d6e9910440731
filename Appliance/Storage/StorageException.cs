using Microsoft.Data.Sqlite;

namespace Appliance.Storage;

/// <summary>What kind of storage failure happened, in terms any database backend can report.</summary>
public enum StorageErrorKind
{
    /// <summary>Something else failed; retrying may or may not help.</summary>
    Other,

    /// <summary>Another writer held the database past the busy timeout (SQLite BUSY or LOCKED); worth retrying.</summary>
    Busy,

    /// <summary>A row broke a constraint (unique, foreign key, check, not null).</summary>
    Constraint,

    /// <summary>The disk or the database is full.</summary>
    Full,

    /// <summary>The file is damaged or is not a database.</summary>
    Corrupt,

    /// <summary>The database cannot be opened, read or written (permissions, read-only, I/O error).</summary>
    Unavailable,
}

/// <summary>
/// A failure of the store, raised where database errors enter the application (the connections
/// <see cref="Database"/> opens translate every error of their commands, transactions and readers).
/// Callers (protocol sessions, jobs, the command line) catch this type and never the backend's own, so
/// that another backend (PostgreSQL) needs no edits outside <c>Storage/</c>. The message is the backend's.
/// </summary>
public sealed class StorageException : Exception
{
    public StorageException()
        : this(StorageErrorKind.Other, "The store failed.", null)
    {
    }

    public StorageException(string message)
        : this(StorageErrorKind.Other, message, null)
    {
    }

    public StorageException(string message, Exception innerException)
        : this(StorageErrorKind.Other, message, innerException)
    {
    }

    public StorageException(StorageErrorKind kind, string message, Exception? innerException)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public StorageErrorKind Kind { get; }

    /// <summary>SQLite's primary result codes (sqlite3.h), sorted into kinds.</summary>
    internal static StorageException From(SqliteException e)
    {
        var kind = (e.SqliteErrorCode & 0xFF) switch
        {
            5 or 6 => StorageErrorKind.Busy,                           // SQLITE_BUSY, SQLITE_LOCKED
            19 => StorageErrorKind.Constraint,                         // SQLITE_CONSTRAINT
            13 => StorageErrorKind.Full,                               // SQLITE_FULL
            11 or 26 => StorageErrorKind.Corrupt,                      // SQLITE_CORRUPT, SQLITE_NOTADB
            3 or 8 or 10 or 14 => StorageErrorKind.Unavailable,        // SQLITE_PERM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN
            _ => StorageErrorKind.Other,
        };
        return new StorageException(kind, e.Message, e);
    }
}
