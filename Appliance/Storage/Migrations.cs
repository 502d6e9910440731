namespace Appliance.Storage;

/// <summary>
/// The schema's history. Never edit a migration that has shipped: add the next number. A store can be
/// at any version and is brought forward at start by <see cref="Migrator"/>.
/// </summary>
public static class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "settings, accounts and audit log", """
            CREATE TABLE settings (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            CREATE TABLE domains (
                id         INTEGER PRIMARY KEY,
                name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
                created_at TEXT NOT NULL
            );
            CREATE TABLE users (
                id             INTEGER PRIMARY KEY,
                address        TEXT NOT NULL UNIQUE COLLATE NOCASE,
                domain_id      INTEGER NOT NULL REFERENCES domains(id),
                display_name   TEXT NOT NULL DEFAULT '',
                password_hash  TEXT NOT NULL,
                quota_bytes    INTEGER NOT NULL DEFAULT 0,
                is_admin       INTEGER NOT NULL DEFAULT 0,
                disabled       INTEGER NOT NULL DEFAULT 0,
                failed_logins  INTEGER NOT NULL DEFAULT 0,
                locked_until   TEXT NULL,
                security_stamp TEXT NOT NULL,
                created_at     TEXT NOT NULL
            );
            CREATE INDEX users_domain ON users(domain_id);
            CREATE TABLE aliases (
                id         INTEGER PRIMARY KEY,
                address    TEXT NOT NULL UNIQUE COLLATE NOCASE,
                domain_id  INTEGER NOT NULL REFERENCES domains(id),
                created_at TEXT NOT NULL
            );
            CREATE TABLE alias_targets (
                alias_id INTEGER NOT NULL REFERENCES aliases(id) ON DELETE CASCADE,
                target   TEXT NOT NULL COLLATE NOCASE,
                PRIMARY KEY (alias_id, target)
            );
            CREATE TABLE groups (
                id           INTEGER PRIMARY KEY,
                address      TEXT NOT NULL UNIQUE COLLATE NOCASE,
                domain_id    INTEGER NOT NULL REFERENCES domains(id),
                display_name TEXT NOT NULL DEFAULT '',
                created_at   TEXT NOT NULL
            );
            CREATE TABLE group_members (
                group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                PRIMARY KEY (group_id, user_id)
            );
            CREATE TABLE audit_log (
                id     INTEGER PRIMARY KEY,
                at     TEXT NOT NULL,
                actor  TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT ''
            );
            CREATE INDEX audit_log_at ON audit_log(at);
            """),
        new(2, "blob reference counts", """
            CREATE TABLE blobs (
                hash     TEXT PRIMARY KEY,
                size     INTEGER NOT NULL,
                refcount INTEGER NOT NULL CHECK (refcount >= 0)
            );
            """),
    ];
}
