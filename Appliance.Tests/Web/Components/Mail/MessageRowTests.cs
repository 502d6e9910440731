using System.Globalization;
using Appliance.Mailstore;
using Appliance.Web.Components.Mail;
using Bunit;

namespace Appliance.Tests.Web.Components.Mail;

/// <summary>One line of the message list: markers, sender, subject, date and size, its hover actions, and what clicking it says to the page.</summary>
public sealed class MessageRowTests : ComponentTestContext
{
    public MessageRowTests() => JSInterop.Mode = JSRuntimeMode.Loose;

    private static readonly DateTimeOffset LastYear = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private static ListedMessage Message(string flags = "", string subject = "Quarterly figures", string fromName = "Carol Diaz",
        bool attachments = false, long size = 2048, DateTimeOffset? date = null) =>
        new(42, flags, size, date ?? LastYear, "hash",
            new MessageSummary(subject, fromName, "carol@elsewhere.example", "alice@example.com", "", date ?? LastYear,
                "<figures-1@example.com>", null, "<figures-1@example.com>", attachments, "Here are the numbers for Q1."));

    private IRenderedComponent<MessageRow> RenderRow(ListedMessage message, Action<ComponentParameterCollectionBuilder<MessageRow>>? more = null) =>
        Render<MessageRow>(p =>
        {
            p.Add(c => c.Message, message).Add(c => c.Folder, "INBOX");
            more?.Invoke(p);
        });

    /// <summary>The webmail's stylesheet in the source tree, found from the test's output folder upwards.</summary>
    private static string Stylesheet()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Appliance", "wwwroot", "mail", "webmail.css");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("Appliance/wwwroot/mail/webmail.css");
    }

    private static string[] Markers(IRenderedComponent<MessageRow> row) =>
        [.. row.FindAll(".marker[role=img]").Select(m => m.GetAttribute("aria-label")!)];

    [Fact]
    public void An_unseen_message_is_bold_and_carries_the_unread_marker()
    {
        var row = RenderRow(Message(flags: ""));

        Assert.Contains("unread", row.Find(".message-row").ClassList);
        Assert.Equal(["Unread"], Markers(row));
        // What makes it bold: the rule for .unread's sender and subject, in the stylesheet the page loads.
        var css = File.ReadAllText(Stylesheet());
        Assert.Contains(".message-row.unread .from, .message-row.unread .subject { font-weight: 700; }", css, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seen_message_has_no_unread_marker()
    {
        var row = RenderRow(Message(flags: @"\Seen"));

        Assert.DoesNotContain("unread", row.Find(".message-row").ClassList);
        Assert.Empty(Markers(row));
    }

    [Fact]
    public void Flag_and_attachment_markers_have_names_a_screen_reader_reads()
    {
        var row = RenderRow(Message(flags: @"\Flagged \Seen", attachments: true));

        Assert.Equal(["Flagged", "Has attachments"], Markers(row));
        Assert.Equal("flag", row.Find(".marker.flag").TextContent);
    }

    [Fact]
    public void Sender_subject_preview_and_size_are_shown()
    {
        var row = RenderRow(Message(size: 3 * 1024 * 1024));

        Assert.Equal("Carol Diaz", row.Find(".from").TextContent);
        Assert.Equal("Quarterly figures", row.Find(".subject").TextContent);
        Assert.Equal("Here are the numbers for Q1.", row.Find(".preview").TextContent);
        Assert.Equal("3 MiB", row.Find(".size").TextContent);
        Assert.Equal("42", row.Find(".message-row").GetAttribute("data-uid"));
    }

    [Fact]
    public void A_sender_without_a_name_is_shown_by_address()
    {
        var row = RenderRow(Message(fromName: ""));

        Assert.Equal("carol@elsewhere.example", row.Find(".from").TextContent);
    }

    [Fact]
    public void A_message_without_subject_says_so_in_the_row_and_in_its_checkbox_label()
    {
        var row = RenderRow(Message(subject: "  "));

        Assert.Equal("(no subject)", row.Find(".subject").TextContent);
        Assert.Equal("Select \"(no subject)\"", row.Find("[role=checkbox]").GetAttribute("aria-label"));
    }

    [Fact]
    public void An_older_message_shows_its_date_and_one_from_today_its_time()
    {
        var old = RenderRow(Message(date: LastYear));
        Assert.Equal(LastYear.ToLocalTime().ToString("d", CultureInfo.GetCultureInfo("en")), old.Find("time").TextContent);
        Assert.Equal(LastYear.ToString("o", CultureInfo.InvariantCulture), old.Find("time").GetAttribute("datetime"));

        var now = DateTimeOffset.Now;
        var today = RenderRow(Message(date: now));
        Assert.Equal(now.ToString("t", CultureInfo.GetCultureInfo("en")), today.Find("time").TextContent);
    }

    [Fact]
    public void A_conversation_shows_how_many_messages_it_holds_and_the_folder_badge_only_when_asked()
    {
        var single = RenderRow(Message(), p => p.Add(c => c.Count, 1));
        Assert.Empty(single.FindAll(".badge"));

        var thread = RenderRow(Message(), p => p.Add(c => c.Count, 3).Add(c => c.ShowFolder, true));
        Assert.Equal("3 messages in this conversation", thread.Find(".badge.count").GetAttribute("aria-label"));
        Assert.Equal("INBOX", thread.Find(".badge.folder").TextContent);
    }

    [Fact]
    public void The_open_message_is_the_selected_row_and_a_ticked_one_has_its_box_checked()
    {
        var row = RenderRow(Message(), p => p.Add(c => c.Open, true).Add(c => c.Selected, true));

        Assert.Equal("true", row.Find("[role=row]").GetAttribute("aria-selected"));
        Assert.Contains("open", row.Find(".message-row").ClassList);
        Assert.Equal("true", row.Find("[role=checkbox]").GetAttribute("aria-checked"));

        var closed = RenderRow(Message());
        Assert.Equal("false", closed.Find("[role=row]").GetAttribute("aria-selected"));
        Assert.Equal("false", closed.Find("[role=checkbox]").GetAttribute("aria-checked"));
    }

    [Fact]
    public void Clicking_ticking_and_dragging_tell_the_page_which_message_in_which_folder()
    {
        var events = new List<string>();
        var row = RenderRow(Message(), p => p
            .Add(c => c.OnOpen, k => events.Add($"open {k.Folder} {k.Uid}"))
            .Add(c => c.OnToggle, k => events.Add($"toggle {k.Folder} {k.Uid}"))
            .Add(c => c.OnDragStart, k => events.Add($"drag {k.Folder} {k.Uid}")));

        row.Find("button.row-open").Click();
        row.Find("[role=checkbox]").Click();
        row.Find("button.row-open").DragStart();

        Assert.Equal(["open INBOX 42", "toggle INBOX 42", "drag INBOX 42"], events);
        Assert.Equal("true", row.Find("button.row-open").GetAttribute("draggable"));
    }

    private static string[] ActionNames(IRenderedComponent<MessageRow> row) =>
        [.. row.FindAll(".cell-actions button").Select(b => b.GetAttribute("aria-label")!)];

    [Fact]
    public void Hover_actions_archive_mark_flag_and_delete_with_names_that_say_which_message()
    {
        var unread = RenderRow(Message(flags: ""));
        Assert.Equal(["Archive \"Quarterly figures\"", "Mark \"Quarterly figures\" read", "Flag \"Quarterly figures\"", "Delete \"Quarterly figures\""], ActionNames(unread));
        // Each has an icon, and a tooltip with the short name.
        Assert.All(unread.FindAll(".cell-actions button"), b => Assert.NotNull(b.QuerySelector("i.rzi")));
        Assert.Equal(["Archive", "Mark read", "Flag", "Delete"], unread.FindAll(".cell-actions button").Select(b => b.GetAttribute("title")));

        // A read and flagged message offers the opposites.
        var read = RenderRow(Message(flags: @"\Seen \Flagged"));
        Assert.Equal(["Archive \"Quarterly figures\"", "Mark \"Quarterly figures\" unread", "Unflag \"Quarterly figures\"", "Delete \"Quarterly figures\""], ActionNames(read));
    }

    [Fact]
    public void Hover_actions_and_the_context_menu_tell_the_page_the_action_and_the_message()
    {
        var events = new List<string>();
        var row = RenderRow(Message(flags: @"\Seen"), p => p
            .Add(c => c.OnAction, a => events.Add($"{a.Action} {a.Key.Folder} {a.Key.Uid}"))
            .Add(c => c.OnContextMenu, m => events.Add($"menu {m.Key.Folder} {m.Key.Uid}")));

        foreach (var button in row.FindAll(".cell-actions button"))
        {
            button.Click();
        }
        row.Find(".message-row").ContextMenu();

        Assert.Equal(["Archive INBOX 42", "MarkUnread INBOX 42", "Flag INBOX 42", "Delete INBOX 42", "menu INBOX 42"], events);
    }
}
