using Appliance.Accounts;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Components.Mail;
using Appliance.Web.Mail;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Web.Components.Mail;

/// <summary>
/// The address field: completion for the address after the last separator, from the server's real directory
/// (a temporary data folder with Alice and Bob), picking by mouse or Tab, closing with Escape; and, with answers
/// the test releases one by one, what happens when the server answers keystrokes late or out of order.
/// </summary>
public sealed class RecipientFieldTests : ComponentTestContext, IAsyncLifetime
{
    private TestServices _services = null!;
    private MailUser _alice = null!;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync(configure: s =>
        {
            s.AddMail();
            s.AddOptions<WebmailOptions>().BindConfiguration(WebmailOptions.Section);
            s.AddSingleton<TrustedSenders>();
            s.AddSingleton<MailService>();
        });
        await _services.SetUpAsync();
        var users = _services.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("alice@example.com", "Str0ng-Passw0rd", "Alice Martin"));
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob Keller"));
        var mail = _services.Get<MailService>();
        _alice = (await mail.UserAsync("alice@example.com"))!;
        Services.AddSingleton<IRecipientSuggestions>(mail);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeComponentsAsync();
        await _services.DisposeAsync();
    }

    private sealed class Bound
    {
        public List<string> Values { get; } = [];
    }

    private IRenderedComponent<RecipientField> RenderField(Bound bound, string value = "", bool signedIn = true) =>
        Render<RecipientField>(p => p
            .Add(c => c.Id, "compose-to")
            .Add(c => c.Value, value)
            .Add(c => c.ValueChanged, v => bound.Values.Add(v))
            .Add(c => c.User, signedIn ? _alice : null));

    private static string[] Options(IRenderedComponent<RecipientField> field) =>
        [.. field.FindAll("ul[role=listbox] li[role=option]").Select(li => li.TextContent)];

    private static string[] Chips(IRenderedComponent<RecipientField> field) =>
        [.. field.FindAll("li.chip .chip-text").Select(c => c.TextContent)];

    private static async Task TypeAsync(IRenderedComponent<RecipientField> field, string text) =>
        await field.Find("input").InputAsync(new ChangeEventArgs { Value = text });

    [Fact]
    public async Task Typing_a_name_offers_the_directory_entry_and_opens_the_list()
    {
        var field = RenderField(new Bound());
        Assert.Equal("false", field.Find("input").GetAttribute("aria-expanded"));

        await TypeAsync(field, "bob");

        field.WaitForAssertion(() => Assert.Equal(["Bob Keller <bob@example.com>"], Options(field)));
        var input = field.Find("input");
        Assert.Equal(("combobox", "true", "compose-to-list"), (input.GetAttribute("role"), input.GetAttribute("aria-expanded"), input.GetAttribute("aria-controls")));
        Assert.Equal("compose-to-list", field.Find("ul[role=listbox]").Id);
    }

    [Fact]
    public async Task Completion_looks_only_at_the_address_after_the_last_comma_or_semicolon()
    {
        var field = RenderField(new Bound());

        await TypeAsync(field, "bob@example.com; kel");

        field.WaitForAssertion(() => Assert.Equal(["Bob Keller <bob@example.com>"], Options(field)));
        await TypeAsync(field, "bob@example.com, sales, al");
        field.WaitForAssertion(() => Assert.Equal(["Alice Martin <alice@example.com>"], Options(field)));
    }

    [Fact]
    public async Task One_letter_or_a_signed_out_page_asks_for_nothing()
    {
        var field = RenderField(new Bound());
        await TypeAsync(field, "b");
        Assert.Empty(field.FindAll("ul[role=listbox]"));

        var signedOut = RenderField(new Bound(), signedIn: false);
        await TypeAsync(signedOut, "bob");
        Assert.Empty(signedOut.FindAll("ul[role=listbox]"));
    }

    [Fact]
    public async Task Every_keystroke_reaches_the_bound_value()
    {
        var bound = new Bound();
        var field = RenderField(bound);

        await TypeAsync(field, "c");
        await TypeAsync(field, "ca");

        Assert.Equal(["c", "ca"], bound.Values);
        Assert.Equal("ca", field.Find("input").GetAttribute("value"));
    }

    [Fact]
    public async Task Picking_a_suggestion_replaces_only_the_address_being_typed_and_leaves_room_for_the_next()
    {
        var bound = new Bound();
        var field = RenderField(bound);
        await TypeAsync(field, "carol@elsewhere.example, bo");
        field.WaitForAssertion(() => Assert.Single(Options(field)));

        await field.Find("li[role=option]").MouseDownAsync(new MouseEventArgs());

        Assert.Equal("carol@elsewhere.example, Bob Keller <bob@example.com>, ", bound.Values[^1]);
        Assert.Equal(["carol@elsewhere.example", "Bob Keller <bob@example.com>"], Chips(field));
        Assert.Equal("", field.Find("input").GetAttribute("value"));
        Assert.Empty(field.FindAll("ul[role=listbox]"));
        Assert.Equal("false", field.Find("input").GetAttribute("aria-expanded"));
    }

    [Fact]
    public async Task Tab_takes_the_first_suggestion()
    {
        var bound = new Bound();
        var field = RenderField(bound);
        await TypeAsync(field, "bob");
        field.WaitForAssertion(() => Assert.Single(Options(field)));

        await field.Find("input").KeyDownAsync(new KeyboardEventArgs { Key = "Tab" });

        Assert.Equal("Bob Keller <bob@example.com>, ", bound.Values[^1]);
        Assert.Empty(field.FindAll("ul[role=listbox]"));
    }

    [Fact]
    public async Task Escape_closes_the_list_and_keeps_what_was_typed()
    {
        var bound = new Bound();
        var field = RenderField(bound);
        await TypeAsync(field, "bob");
        field.WaitForAssertion(() => Assert.Single(Options(field)));

        await field.Find("input").KeyDownAsync(new KeyboardEventArgs { Key = "Escape" });

        Assert.Empty(field.FindAll("ul[role=listbox]"));
        Assert.Equal("bob", bound.Values[^1]);
        Assert.Equal("bob", field.Find("input").GetAttribute("value"));
    }

    [Fact]
    public async Task Tab_without_suggestions_leaves_the_text_alone()
    {
        var bound = new Bound();
        var field = RenderField(bound, value: "someone@nowhere.example");

        await field.Find("input").KeyDownAsync(new KeyboardEventArgs { Key = "Tab" });

        Assert.Empty(bound.Values);
        Assert.Equal("someone@nowhere.example", field.Find("input").GetAttribute("value"));
    }

    [Fact]
    public async Task A_comma_turns_what_came_before_into_chips_each_with_a_named_remove_button()
    {
        var bound = new Bound();
        var field = RenderField(bound);

        await TypeAsync(field, "bob@example.com; Carol <carol@elsewhere.example>, da");

        Assert.Equal(["bob@example.com", "Carol <carol@elsewhere.example>"], Chips(field));
        Assert.Equal("da", field.Find("input").GetAttribute("value"));
        Assert.Equal("bob@example.com, Carol <carol@elsewhere.example>, da", bound.Values[^1]);
        Assert.Equal(["Remove bob@example.com", "Remove Carol <carol@elsewhere.example>"],
            field.FindAll("li.chip button").Select(b => b.GetAttribute("aria-label")));

        await field.FindAll("li.chip button")[0].ClickAsync(new MouseEventArgs());

        Assert.Equal(["Carol <carol@elsewhere.example>"], Chips(field));
        Assert.Equal("Carol <carol@elsewhere.example>, da", bound.Values[^1]);
    }

    [Fact]
    public async Task A_value_from_a_draft_shows_its_finished_addresses_as_chips_and_the_rest_as_typed()
    {
        var field = RenderField(new Bound(), value: "bob@example.com, carol@");

        Assert.Equal(["bob@example.com"], Chips(field));
        Assert.Equal("carol@", field.Find("input").GetAttribute("value"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Leaving_the_field_finishes_the_address_and_a_bad_one_is_marked_invalid()
    {
        var bound = new Bound();
        var field = RenderField(bound);
        await TypeAsync(field, "carol@");

        await field.Find("input").BlurAsync(new FocusEventArgs());

        Assert.Equal(["carol@"], Chips(field));
        Assert.Contains("invalid", field.Find("li.chip").ClassList);
        Assert.Equal("true", field.Find("input").GetAttribute("aria-invalid"));
        Assert.Equal("carol@, ", bound.Values[^1]);
    }

    [Fact]
    public async Task Backspace_in_an_empty_field_removes_the_last_chip()
    {
        var bound = new Bound();
        var field = RenderField(bound, value: "bob@example.com, alice@example.com, ");

        await field.Find("input").KeyDownAsync(new KeyboardEventArgs { Key = "Backspace" });

        Assert.Equal(["bob@example.com"], Chips(field));
        Assert.Equal("bob@example.com, ", bound.Values[^1]);
    }

    /// <summary>Answers each text typed when the test says so, as a busy server answers late.</summary>
    private sealed class HeldSuggestions : IRecipientSuggestions
    {
        private readonly Dictionary<string, TaskCompletionSource<IReadOnlyList<string>>> _answers = [];

        public Task<IReadOnlyList<string>> SuggestAsync(MailUser user, string typed, CancellationToken cancellationToken = default) => For(typed).Task;

        public void Answer(string typed, params string[] suggestions) => For(typed).SetResult(suggestions);

        private TaskCompletionSource<IReadOnlyList<string>> For(string typed)
        {
            lock (_answers)
            {
                if (!_answers.TryGetValue(typed, out var answer))
                {
                    _answers[typed] = answer = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                return answer;
            }
        }
    }

    [Fact]
    public async Task A_late_answer_to_an_earlier_keystroke_does_not_replace_the_latest_list()
    {
        var held = new HeldSuggestions();
        Services.AddSingleton<IRecipientSuggestions>(held);
        var field = RenderField(new Bound());

        var typingBo = TypeAsync(field, "bo");
        var typingBob = TypeAsync(field, "bob");
        held.Answer("bob", "Bob Keller <bob@example.com>");
        await typingBob;
        held.Answer("bo", "Bob Keller <bob@example.com>", "Bozena Novak <bozena@example.com>");
        await typingBo;

        Assert.Equal(["Bob Keller <bob@example.com>"], Options(field));
    }

    [Fact]
    public async Task Escape_keeps_the_list_closed_when_an_earlier_answer_arrives_after_it()
    {
        var held = new HeldSuggestions();
        Services.AddSingleton<IRecipientSuggestions>(held);
        var field = RenderField(new Bound());

        var typing = TypeAsync(field, "bob");
        await field.Find("input").KeyDownAsync(new KeyboardEventArgs { Key = "Escape" });
        held.Answer("bob", "Bob Keller <bob@example.com>");
        await typing;

        Assert.Empty(field.FindAll("ul[role=listbox]"));
        Assert.Equal("false", field.Find("input").GetAttribute("aria-expanded"));
    }

    [Fact]
    public async Task Picking_keeps_the_list_closed_when_the_answer_to_a_later_keystroke_arrives_after_it()
    {
        var held = new HeldSuggestions();
        Services.AddSingleton<IRecipientSuggestions>(held);
        var bound = new Bound();
        var field = RenderField(bound);
        var typingBo = TypeAsync(field, "bo");
        held.Answer("bo", "Bob Keller <bob@example.com>");
        await typingBo;

        var typingBob = TypeAsync(field, "bob");
        await field.Find("li[role=option]").MouseDownAsync(new MouseEventArgs());
        held.Answer("bob", "Bob Keller <bob@example.com>");
        await typingBob;

        Assert.Empty(field.FindAll("ul[role=listbox]"));
        Assert.Equal("Bob Keller <bob@example.com>, ", bound.Values[^1]);
    }
}
