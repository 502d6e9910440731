using System.Data.Common;
using System.Globalization;
using System.Text;
using Appliance.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Sieve;

/// <summary>Why a change to the stored scripts was refused; ManageSieve maps each to its RFC 5804 response code.</summary>
public enum SieveScriptError
{
    /// <summary>No script by that name (NONEXISTENT).</summary>
    NonExistent,
    /// <summary>The active script cannot be deleted (ACTIVE, RFC 5804 §2.10).</summary>
    Active,
    /// <summary>The new name is taken (ALREADYEXISTS).</summary>
    AlreadyExists,
    /// <summary>The user already has <see cref="SieveScriptOptions.MaxScripts"/> scripts (QUOTA/MAXSCRIPTS).</summary>
    TooManyScripts,
    /// <summary>The script is over <see cref="SieveScriptOptions.MaxScriptSize"/> (QUOTA/MAXSIZE).</summary>
    TooLarge,
    /// <summary>The name is empty, too long or holds control characters (RFC 5804 §1.6).</summary>
    BadName,
    /// <summary>The script does not compile; the message names the line.</summary>
    Invalid,
}

/// <summary>A refused change, with the reason as data and a message a user can read.</summary>
public sealed class SieveScriptException(SieveScriptError error, string message) : Exception(message)
{
    public SieveScriptError Error { get; } = error;
}

/// <summary>One of a user's scripts as a listing shows it.</summary>
public sealed record SieveScriptEntry(string Name, bool IsActive, DateTimeOffset UpdatedAt);

/// <summary>The administrator's global scripts: one runs before every user's script, one after.</summary>
public enum SieveGlobalScript
{
    Before,
    After,
}

/// <summary>
/// The <c>sieve_scripts</c> table: each user's scripts (at most one active, held by a partial unique index), and the
/// administrator's global before/after scripts. Every script stored has compiled with <see cref="SieveScript"/>, so
/// delivery only meets scripts that parsed when they were saved. Names compare exactly, as RFC 5804 §1.6 asks.
/// </summary>
public sealed class SieveScripts(Database database, IOptions<SieveScriptOptions> options)
{
    private SieveScriptOptions Options => options.Value;

    /// <summary>The user's scripts by name (ordinal order).</summary>
    public async Task<IReadOnlyList<SieveScriptEntry>> ListAsync(long userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Name, long IsActive, DateTimeOffset UpdatedAt)>(
            "SELECT name, is_active, updated_at FROM sieve_scripts WHERE user_id = @userId", new { userId }).ConfigureAwait(false);
        return [.. rows.Select(r => new SieveScriptEntry(r.Name, r.IsActive == 1, r.UpdatedAt)).OrderBy(e => e.Name, StringComparer.Ordinal)];
    }

    /// <summary>A script's text, or null when the user has none by that name.</summary>
    public async Task<string?> GetAsync(long userId, string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT content FROM sieve_scripts WHERE user_id = @userId AND name = @name", new { userId, name }).ConfigureAwait(false);
    }

    /// <summary>
    /// The text of the user's active script, or null when none is active: what delivery runs. One lookup on the
    /// partial index <c>sieve_scripts_active</c>, so it costs one indexed read per delivered message.
    /// </summary>
    public async Task<string?> ActiveScriptAsync(long userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT content FROM sieve_scripts WHERE user_id = @userId AND is_active = 1", new { userId }).ConfigureAwait(false);
    }

    /// <summary>The name of the user's active script, or null.</summary>
    public async Task<string?> ActiveNameAsync(long userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT name FROM sieve_scripts WHERE user_id = @userId AND is_active = 1", new { userId }).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks that a script of <paramref name="size"/> bytes could be stored under <paramref name="name"/> (ManageSieve
    /// HAVESPACE): within the size cap, and within the script count unless it replaces a script of that name.
    /// </summary>
    public async Task CheckSpaceAsync(long userId, string name, long size, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        CheckSize(size);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await CheckCountAsync(connection, null, userId, name).ConfigureAwait(false);
    }

    /// <summary>
    /// Compiles a script without storing it (ManageSieve CHECKSCRIPT, the editor's check). Throws
    /// <see cref="SieveScriptException"/> with <see cref="SieveScriptError.TooLarge"/> or <see cref="SieveScriptError.Invalid"/>.
    /// </summary>
    public SieveScript Check(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        CheckSize(Encoding.UTF8.GetByteCount(content));
        if (!SieveScript.TryCompile(content, CompileOptions, out var script, out var error))
        {
            throw new SieveScriptException(SieveScriptError.Invalid, error!.Message);
        }
        return script!;
    }

    /// <summary>Stores a script under a name, replacing one of that name (it stays active if it was); it must compile.</summary>
    public async Task PutAsync(long userId, string name, string content, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        Check(content);
        var now = DateTimeOffset.UtcNow;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(
                "UPDATE sieve_scripts SET content = @content, updated_at = @now WHERE user_id = @userId AND name = @name",
                new { userId, name, content, now }, transaction).ConfigureAwait(false);
            if (updated > 0)
            {
                return;
            }
            await CheckCountAsync(connection, transaction, userId, name).ConfigureAwait(false);
            await connection.ExecuteAsync(
                "INSERT INTO sieve_scripts(user_id, kind, name, content, is_active, updated_at) VALUES (@userId, 'user', @name, @content, 0, @now)",
                new { userId, name, content, now }, transaction).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renames a script; an active one stays active (RFC 5804 §2.11.1).</summary>
    public async Task RenameAsync(long userId, string oldName, string newName, CancellationToken cancellationToken = default)
    {
        CheckName(newName);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (!await ExistsAsync(connection, transaction, userId, oldName).ConfigureAwait(false))
            {
                throw NonExistent(oldName);
            }
            if (oldName == newName)
            {
                return;
            }
            if (await ExistsAsync(connection, transaction, userId, newName).ConfigureAwait(false))
            {
                throw new SieveScriptException(SieveScriptError.AlreadyExists, $"A script named \"{newName}\" already exists");
            }
            await connection.ExecuteAsync(
                "UPDATE sieve_scripts SET name = @newName, updated_at = @now WHERE user_id = @userId AND name = @oldName",
                new { userId, oldName, newName, now = DateTimeOffset.UtcNow }, transaction).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a script; the active one is refused (RFC 5804 §2.10: deactivate it first).</summary>
    public async Task DeleteAsync(long userId, string name, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var active = await connection.ExecuteScalarAsync<long?>(
                "SELECT is_active FROM sieve_scripts WHERE user_id = @userId AND name = @name", new { userId, name }, transaction).ConfigureAwait(false);
            if (active is null)
            {
                throw NonExistent(name);
            }
            if (active == 1)
            {
                throw new SieveScriptException(SieveScriptError.Active, $"\"{name}\" is the active script; deactivate it before deleting it");
            }
            await connection.ExecuteAsync("DELETE FROM sieve_scripts WHERE user_id = @userId AND name = @name", new { userId, name }, transaction).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes the named script the one that runs; null or "" turns filtering off (RFC 5804 §2.8).</summary>
    public async Task SetActiveAsync(long userId, string? name, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (!string.IsNullOrEmpty(name) && !await ExistsAsync(connection, transaction, userId, name).ConfigureAwait(false))
            {
                throw NonExistent(name);
            }
            // Off first, then on: the partial unique index never sees two active rows.
            await connection.ExecuteAsync(
                "UPDATE sieve_scripts SET is_active = 0 WHERE user_id = @userId AND is_active = 1", new { userId }, transaction).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(name))
            {
                await connection.ExecuteAsync(
                    "UPDATE sieve_scripts SET is_active = 1 WHERE user_id = @userId AND name = @name", new { userId, name }, transaction).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Turns the user's filtering off: no script is active.</summary>
    public Task DeactivateAsync(long userId, CancellationToken cancellationToken = default) => SetActiveAsync(userId, null, cancellationToken);

    /// <summary>The administrator's global script of that kind, or null.</summary>
    public async Task<string?> GlobalAsync(SieveGlobalScript which, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT content FROM sieve_scripts WHERE user_id IS NULL AND kind = @kind", new { kind = Kind(which) }).ConfigureAwait(false);
    }

    /// <summary>Stores the administrator's global script (it must compile); null or blank removes it.</summary>
    public async Task PutGlobalAsync(SieveGlobalScript which, string? content, CancellationToken cancellationToken = default)
    {
        var kind = Kind(which);
        if (string.IsNullOrWhiteSpace(content))
        {
            await database.InTransactionAsync((connection, transaction) =>
                connection.ExecuteAsync("DELETE FROM sieve_scripts WHERE user_id IS NULL AND kind = @kind", new { kind }, transaction), cancellationToken).ConfigureAwait(false);
            return;
        }
        Check(content);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var now = DateTimeOffset.UtcNow;
            var updated = await connection.ExecuteAsync(
                "UPDATE sieve_scripts SET content = @content, updated_at = @now WHERE user_id IS NULL AND kind = @kind", new { kind, content, now }, transaction).ConfigureAwait(false);
            if (updated == 0)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO sieve_scripts(user_id, kind, name, content, is_active, updated_at) VALUES (NULL, @kind, @kind, @content, 0, @now)",
                    new { kind, content, now }, transaction).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Kind(SieveGlobalScript which) => which == SieveGlobalScript.Before ? "before" : "after";

    private SieveOptions CompileOptions => new() { MaxScriptSize = Options.MaxScriptSize };

    /// <summary>RFC 5804 §1.6: a name is a non-empty UTF-8 string without CTLs (0x00–0x1F, 0x7F), U+0080–U+009F, U+2028 or U+2029.</summary>
    private void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            throw new SieveScriptException(SieveScriptError.BadName, "A script name cannot be empty");
        }
        if (name.Length > Options.MaxNameLength)
        {
            throw new SieveScriptException(SieveScriptError.BadName, string.Create(CultureInfo.InvariantCulture, $"A script name may have at most {Options.MaxNameLength} characters"));
        }
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var loneSurrogate = char.IsHighSurrogate(c) ? !(i + 1 < name.Length && char.IsLowSurrogate(name[++i])) : char.IsLowSurrogate(c);
            if (c < 0x20 || c is >= '\u007F' and <= '\u009F' || c is '\u2028' or '\u2029' || loneSurrogate)
            {
                throw new SieveScriptException(SieveScriptError.BadName, "A script name cannot hold control characters");
            }
        }
    }

    private void CheckSize(long size)
    {
        if (size > Options.MaxScriptSize)
        {
            throw new SieveScriptException(SieveScriptError.TooLarge, string.Create(CultureInfo.InvariantCulture, $"Scripts are limited to {Options.MaxScriptSize} bytes"));
        }
    }

    private async Task CheckCountAsync(DbConnection connection, DbTransaction? transaction, long userId, string name)
    {
        var (count, same) = await connection.QuerySingleAsync<(long Count, long Same)>(
            "SELECT COUNT(*), COUNT(CASE WHEN name = @name THEN 1 END) FROM sieve_scripts WHERE user_id = @userId", new { userId, name }, transaction).ConfigureAwait(false);
        if (same == 0 && count >= Options.MaxScripts)
        {
            throw new SieveScriptException(SieveScriptError.TooManyScripts, string.Create(CultureInfo.InvariantCulture, $"You may keep at most {Options.MaxScripts} scripts"));
        }
    }

    private static async Task<bool> ExistsAsync(DbConnection connection, DbTransaction? transaction, long userId, string name) =>
        await connection.ExecuteScalarAsync<long?>(
            "SELECT 1 FROM sieve_scripts WHERE user_id = @userId AND name = @name", new { userId, name }, transaction).ConfigureAwait(false) is not null;

    private static SieveScriptException NonExistent(string name) => new(SieveScriptError.NonExistent, $"There is no script named \"{name}\"");
}
