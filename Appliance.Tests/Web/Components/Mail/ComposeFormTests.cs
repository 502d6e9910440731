using Appliance.Web.Components.Mail;
using Appliance.Web.Mail;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Web.Components.Mail;

/// <summary>
/// The compose form checks the addresses before it asks the page to send: nobody to send to, or an address that does
/// not parse, keeps the message in the form with the reason under the field, and only a form that passes is sent.
/// </summary>
public sealed class ComposeFormTests : ComponentTestContext
{
    private int _sent;

    public ComposeFormTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddSingleton<IRecipientSuggestions, NoDirectory>();
    }

    /// <summary>A directory with nobody in it: these tests type whole addresses.</summary>
    private sealed class NoDirectory : IRecipientSuggestions
    {
        public Task<IReadOnlyList<string>> SuggestAsync(MailUser user, string typed, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<string>>([]);
    }

    private IRenderedComponent<ComposeForm> RenderForm(ComposeModel model) =>
        Render<ComposeForm>(p => p
            .Add(c => c.Model, model)
            .Add(c => c.From, "Alice Martin <alice@example.com>")
            .Add(c => c.OnSend, () => _sent++));

    private static string[] Errors(IRenderedComponent<ComposeForm> form) =>
        [.. form.FindAll(".field-error").Select(e => e.TextContent)];

    [Fact]
    public void Sending_with_no_recipient_asks_for_one_under_To_and_sends_nothing()
    {
        var form = RenderForm(new ComposeModel { Subject = "Hello" });

        form.Find("form").Submit();

        Assert.Equal(0, _sent);
        Assert.Equal(["Add at least one recipient."], Errors(form));
        var to = form.Find("#compose-to");
        Assert.Equal("true", to.GetAttribute("aria-invalid"));
        Assert.Equal("compose-to-error", to.GetAttribute("aria-describedby"));
        Assert.Equal("alert", form.Find("#compose-to-error").GetAttribute("role"));
    }

    [Fact]
    public void An_address_that_does_not_parse_is_named_under_its_own_field()
    {
        var form = RenderForm(new ComposeModel { To = "bob@example.com", Cc = "carol@, dave@example.com" });

        form.Find("form").Submit();

        Assert.Equal(0, _sent);
        Assert.Equal(["Not a valid address: carol@"], Errors(form));
        Assert.Equal("true", form.Find("#compose-cc").GetAttribute("aria-invalid"));
        Assert.Equal("false", form.Find("#compose-to").GetAttribute("aria-invalid"));
        Assert.Contains("invalid", form.Find("#compose-cc").ParentElement!.ClassList);
    }

    [Fact]
    public async Task Editing_the_field_clears_its_complaint_and_a_valid_form_is_sent()
    {
        var model = new ComposeModel { To = "bob@" };
        var form = RenderForm(model);
        form.Find("form").Submit();
        Assert.Equal(["Not a valid address: bob@"], Errors(form));

        await form.Find("#compose-to").InputAsync(new ChangeEventArgs { Value = "bob@example.com" });
        Assert.Empty(Errors(form));
        form.Find("form").Submit();

        Assert.Equal(1, _sent);
        Assert.Equal("bob@example.com", model.To);
        Assert.Empty(Errors(form));
    }

    [Fact]
    public void Bcc_alone_is_someone_to_send_to()
    {
        var form = RenderForm(new ComposeModel { Bcc = "Bob Keller <bob@example.com>" });

        form.Find("form").Submit();

        Assert.Equal(1, _sent);
    }

    [Fact]
    public void The_file_input_lies_over_a_drop_zone_and_is_labelled()
    {
        var form = RenderForm(new ComposeModel());

        var input = form.Find(".drop-zone input[type=file]#compose-files");
        Assert.True(input.HasAttribute("multiple"));
        Assert.Equal("Attach files", form.Find("label[for=compose-files]").TextContent);
        Assert.Contains("Drop files here", form.Find(".drop-zone").TextContent, StringComparison.Ordinal);
    }
}
