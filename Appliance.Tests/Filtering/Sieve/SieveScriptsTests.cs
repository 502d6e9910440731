using Appliance.Accounts;
using Appliance.Filtering.Sieve;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Filtering.Sieve;

/// <summary>The <c>sieve_scripts</c> repository: the RFC 5804 rules (one active, the active one not deletable, names exact) and the quotas.</summary>
public sealed class SieveScriptsTests : IAsyncLifetime
{
    private const string Keep = "keep;\r\n";
    private const string FileInto = "require \"fileinto\";\r\nif header :contains \"subject\" \"x\" { fileinto \"X\"; }\r\n";
    private TestServices _services = null!;
    private long _bob;
    private long _carol;

    private SieveScripts Scripts => _services.Get<SieveScripts>();

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync(
            new Dictionary<string, string?> { ["Appliance:SieveScripts:MaxScripts"] = "3", ["Appliance:SieveScripts:MaxScriptSize"] = "1024" },
            configure: s => s.AddSieveScripts());
        await _services.SetUpAsync();
        var users = _services.Get<UserService>();
        _bob = (await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd"))).Id;
        _carol = (await users.AddAsync(Actor.CommandLine, new NewUser("carol@example.com", "Str0ng-Passw0rd"))).Id;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private static async Task<SieveScriptError> RefusedAsync(Func<Task> action) =>
        (await Assert.ThrowsAsync<SieveScriptException>(action)).Error;

    [Fact]
    public async Task Put_list_get_and_replace_keep_one_row_per_name()
    {
        await Scripts.PutAsync(_bob, "b", Keep);
        await Scripts.PutAsync(_bob, "a", FileInto);
        await Scripts.PutAsync(_bob, "a", Keep);
        Assert.Equal(["a", "b"], (await Scripts.ListAsync(_bob)).Select(s => s.Name));
        Assert.Equal(Keep, await Scripts.GetAsync(_bob, "a"));
        Assert.Null(await Scripts.GetAsync(_bob, "A"));
        Assert.Empty(await Scripts.ListAsync(_carol));
    }

    [Fact]
    public async Task A_script_that_does_not_compile_is_refused_with_its_line()
    {
        var e = await Assert.ThrowsAsync<SieveScriptException>(() => Scripts.PutAsync(_bob, "bad", "keep;\r\nfilein \"X\";\r\n"));
        Assert.Equal(SieveScriptError.Invalid, e.Error);
        Assert.StartsWith("line 2:", e.Message, StringComparison.Ordinal);
        Assert.Empty(await Scripts.ListAsync(_bob));
    }

    [Fact]
    public async Task Only_one_script_is_active_and_ActiveScriptAsync_returns_its_text()
    {
        await Scripts.PutAsync(_bob, "one", Keep);
        await Scripts.PutAsync(_bob, "two", FileInto);
        Assert.Null(await Scripts.ActiveScriptAsync(_bob));
        await Scripts.SetActiveAsync(_bob, "one");
        await Scripts.SetActiveAsync(_bob, "two");
        Assert.Equal(FileInto, await Scripts.ActiveScriptAsync(_bob));
        Assert.Equal("two", await Scripts.ActiveNameAsync(_bob));
        Assert.Equal(["two"], (await Scripts.ListAsync(_bob)).Where(s => s.IsActive).Select(s => s.Name));
        await Scripts.DeactivateAsync(_bob);
        Assert.Null(await Scripts.ActiveScriptAsync(_bob));
        Assert.Equal(SieveScriptError.NonExistent, await RefusedAsync(() => Scripts.SetActiveAsync(_bob, "three")));
    }

    [Fact]
    public async Task The_partial_unique_index_refuses_a_second_active_row_even_from_raw_SQL()
    {
        await Scripts.PutAsync(_bob, "one", Keep);
        await Scripts.PutAsync(_bob, "two", Keep);
        await Scripts.SetActiveAsync(_bob, "one");
        await using var connection = await _services.Get<Database>().OpenAsync();
        var e = await Assert.ThrowsAsync<StorageException>(() => connection.ExecuteAsync("UPDATE sieve_scripts SET is_active = 1 WHERE name = 'two'"));
        Assert.Equal(StorageErrorKind.Constraint, e.Kind);
    }

    [Fact]
    public async Task Active_script_cannot_be_deleted_and_a_missing_one_is_NonExistent()
    {
        await Scripts.PutAsync(_bob, "one", Keep);
        await Scripts.SetActiveAsync(_bob, "one");
        Assert.Equal(SieveScriptError.Active, await RefusedAsync(() => Scripts.DeleteAsync(_bob, "one")));
        Assert.Equal(SieveScriptError.NonExistent, await RefusedAsync(() => Scripts.DeleteAsync(_bob, "nothing")));
        await Scripts.DeactivateAsync(_bob);
        await Scripts.DeleteAsync(_bob, "one");
        Assert.Empty(await Scripts.ListAsync(_bob));
    }

    [Fact]
    public async Task Rename_keeps_the_active_mark_and_refuses_a_taken_name()
    {
        await Scripts.PutAsync(_bob, "one", Keep);
        await Scripts.PutAsync(_bob, "two", Keep);
        await Scripts.SetActiveAsync(_bob, "one");
        await Scripts.RenameAsync(_bob, "one", "uno");
        Assert.Equal("uno", await Scripts.ActiveNameAsync(_bob));
        Assert.Equal(SieveScriptError.AlreadyExists, await RefusedAsync(() => Scripts.RenameAsync(_bob, "uno", "two")));
        Assert.Equal(SieveScriptError.NonExistent, await RefusedAsync(() => Scripts.RenameAsync(_bob, "one", "eins")));
    }

    [Fact]
    public async Task Quotas_limit_the_count_and_the_size_but_replacing_needs_no_new_slot()
    {
        await Scripts.PutAsync(_bob, "1", Keep);
        await Scripts.PutAsync(_bob, "2", Keep);
        await Scripts.PutAsync(_bob, "3", Keep);
        Assert.Equal(SieveScriptError.TooManyScripts, await RefusedAsync(() => Scripts.PutAsync(_bob, "4", Keep)));
        Assert.Equal(SieveScriptError.TooManyScripts, await RefusedAsync(() => Scripts.CheckSpaceAsync(_bob, "4", 10)));
        await Scripts.PutAsync(_bob, "3", FileInto);
        await Scripts.CheckSpaceAsync(_bob, "3", 1024);
        var big = "# " + new string('x', 1100) + "\r\nkeep;\r\n";
        Assert.Equal(SieveScriptError.TooLarge, await RefusedAsync(() => Scripts.PutAsync(_bob, "3", big)));
        Assert.Equal(SieveScriptError.TooLarge, await RefusedAsync(() => Scripts.CheckSpaceAsync(_bob, "3", 1025)));
        // Carol's quota is her own.
        await Scripts.PutAsync(_carol, "1", Keep);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\r\nb")]
    [InlineData("tab\there")]
    [InlineData("del\u007f")]
    [InlineData("c1\u0085")]
    [InlineData("line\u2028sep")]
    public async Task Names_with_control_characters_or_empty_are_refused(string name) =>
        Assert.Equal(SieveScriptError.BadName, await RefusedAsync(() => Scripts.PutAsync(_bob, name, Keep)));

    [Fact]
    public async Task Names_may_be_any_other_UTF8_and_compare_exactly()
    {
        await Scripts.PutAsync(_bob, "Ferien \"Sommer\" ☀", Keep);
        await Scripts.PutAsync(_bob, "ferien \"sommer\" ☀", Keep);
        Assert.Equal(2, (await Scripts.ListAsync(_bob)).Count);
    }

    [Fact]
    public async Task Global_before_and_after_scripts_are_one_each_and_apart_from_users()
    {
        Assert.Null(await Scripts.GlobalAsync(SieveGlobalScript.Before));
        await Scripts.PutGlobalAsync(SieveGlobalScript.Before, Keep);
        await Scripts.PutGlobalAsync(SieveGlobalScript.Before, FileInto);
        await Scripts.PutGlobalAsync(SieveGlobalScript.After, Keep);
        Assert.Equal(FileInto, await Scripts.GlobalAsync(SieveGlobalScript.Before));
        Assert.Equal(Keep, await Scripts.GlobalAsync(SieveGlobalScript.After));
        await Assert.ThrowsAsync<SieveScriptException>(() => Scripts.PutGlobalAsync(SieveGlobalScript.After, "nonsense"));
        await Scripts.PutGlobalAsync(SieveGlobalScript.Before, null);
        Assert.Null(await Scripts.GlobalAsync(SieveGlobalScript.Before));
        Assert.Empty(await Scripts.ListAsync(_bob));
    }

    [Fact]
    public async Task Removing_a_user_removes_their_scripts()
    {
        await Scripts.PutAsync(_carol, "one", Keep);
        await Scripts.SetActiveAsync(_carol, "one");
        await _services.Get<UserService>().RemoveAsync(Actor.CommandLine, "carol@example.com");
        await using var connection = await _services.Get<Database>().OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM sieve_scripts WHERE user_id = @id", new { id = _carol }));
    }
}
