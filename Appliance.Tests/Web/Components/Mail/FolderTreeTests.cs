using Appliance.Web.Components.Mail;
using Appliance.Web.Mail;
using Bunit;

namespace Appliance.Tests.Web.Components.Mail;

/// <summary>The folder tree: names people read, unread counts, nesting, the selected folder, sections and drops.</summary>
public sealed class FolderTreeTests : ComponentTestContext
{
    private static FolderNode Own(string path, string display, int depth = 0, string? specialUse = null, int unread = 0, string rights = "lrswipkxtea") =>
        new(path, display, depth, FolderSection.Personal, specialUse, path.GetHashCode(StringComparison.Ordinal), rights, null) { Unread = unread };

    private static readonly FolderNode[] Mailbox =
    [
        Own("INBOX", "INBOX", unread: 3),
        Own("Drafts", "Drafts", specialUse: @"\Drafts"),
        Own("Sent", "Sent", specialUse: @"\Sent"),
        Own("Junk", "Junk", specialUse: @"\Junk"),
        Own("Trash", "Trash", specialUse: @"\Trash"),
        Own("Archive", "Archive", specialUse: @"\Archive"),
        Own("Projects", "Projects"),
        Own("Projects/Roof", "Roof", depth: 1, unread: 1),
    ];

    private IRenderedComponent<FolderTree> RenderFolders(IReadOnlyList<FolderNode> folders, string? selected = null,
        Action<string>? onSelect = null, Action<string>? onDrop = null) =>
        Render<FolderTree>(p =>
        {
            p.Add(c => c.Folders, folders).Add(c => c.Selected, selected);
            if (onSelect is not null) p.Add(c => c.OnSelect, onSelect);
            if (onDrop is not null) p.Add(c => c.OnDrop, onDrop);
        });

    private static string[] Names(IRenderedComponent<FolderTree> tree) =>
        [.. tree.FindAll("li[role=treeitem] .folder-name").Select(e => e.TextContent)];

    [Fact]
    public void Inbox_and_special_use_folders_show_their_names_in_the_users_language_others_their_own()
    {
        var tree = RenderFolders(Mailbox);

        Assert.Equal(["Inbox", "Drafts", "Sent", "Junk", "Trash", "Archive", "Projects", "Roof"], Names(tree));
        Assert.Equal("Folders", tree.Find("ul[role=tree]").GetAttribute("aria-label"));
    }

    [Fact]
    public void Special_use_names_follow_the_culture_not_the_stored_name()
    {
        UseCulture("de");
        var tree = RenderFolders([Own("INBOX", "INBOX", unread: 2), Own("Papierkorb-alt", "Bin", specialUse: @"\Trash")]);

        Assert.Equal(["Posteingang", "Papierkorb"], Names(tree));
        Assert.Equal("Posteingang, 2 ungelesen", tree.Find("li[data-folder=INBOX] .folder-title").TextContent);
    }

    [Fact]
    public void A_folder_with_unread_mail_shows_the_count_and_says_it_in_its_accessible_name()
    {
        var tree = RenderFolders(Mailbox);

        var inbox = tree.Find("li[data-folder=INBOX] button");
        // The seen count is hidden from screen readers, which hear it in the name instead; the name comes from the
        // content (no aria-label), so that it holds the text on screen (axe: label-content-name-mismatch).
        Assert.Equal("3", inbox.QuerySelector(".unread-count")!.TextContent);
        Assert.Equal("true", inbox.QuerySelector(".unread-count")!.GetAttribute("aria-hidden"));
        Assert.Equal("Inbox, 3 unread", inbox.QuerySelector(".folder-title")!.TextContent);
        Assert.Null(inbox.GetAttribute("aria-label"));
        var sent = tree.Find("li[data-folder=Sent] button");
        Assert.Null(sent.QuerySelector(".unread-count"));
        Assert.Equal("Sent", sent.QuerySelector(".folder-title")!.TextContent);
    }

    [Fact]
    public void A_subfolder_is_one_level_deeper_and_indented()
    {
        var tree = RenderFolders(Mailbox);

        var parent = tree.Find("li[data-folder=Projects]");
        var child = tree.Find("li[data-folder='Projects/Roof']");
        Assert.Equal(("1", "2"), (parent.GetAttribute("aria-level"), child.GetAttribute("aria-level")));
        Assert.Contains("--depth:1", child.GetAttribute("style"), StringComparison.Ordinal);
        Assert.Equal("Roof, 1 unread", child.QuerySelector(".folder-title")!.TextContent);
    }

    [Fact]
    public void Only_the_selected_folder_is_marked_selected()
    {
        var tree = RenderFolders(Mailbox, selected: "Projects/Roof");

        var selected = tree.FindAll("li[role=treeitem]").Where(li => li.GetAttribute("aria-selected") == "true").ToList();
        var only = Assert.Single(selected);
        Assert.Equal("Projects/Roof", only.GetAttribute("data-folder"));
        Assert.Contains("selected", only.ClassList);
        Assert.Single(tree.FindAll("li.selected"));
    }

    [Fact]
    public void Shared_folders_come_under_their_headings_grouped_by_owner_and_keep_their_own_names()
    {
        FolderNode Shared(string path, string display, FolderSection section, string? owner, string? specialUse = null) =>
            new(path, display, 0, section, specialUse, path.GetHashCode(StringComparison.Ordinal), "lr", owner);
        var tree = RenderFolders(
        [
            Own("INBOX", "INBOX"),
            Shared("Other Users/alice@example.com/INBOX", "INBOX", FolderSection.OtherUsers, "alice@example.com"),
            Shared("Other Users/alice@example.com/Sent", "Sent", FolderSection.OtherUsers, "alice@example.com", @"\Sent"),
            Shared("Other Users/bob@example.com/INBOX", "INBOX", FolderSection.OtherUsers, "bob@example.com"),
            Shared("Shared Folders/sales", "sales", FolderSection.Public, null),
        ]);

        var lines = tree.FindAll("ul[role=tree] > li").Select(li => li.ClassList.Contains("folder") ? "folder:" + li.QuerySelector(".folder-name")!.TextContent : li.TextContent).ToList();
        Assert.Equal(
        [
            "folder:Inbox",
            "Other users", "alice@example.com", "folder:INBOX", "folder:Sent", "bob@example.com", "folder:INBOX",
            "Shared folders", "folder:sales",
        ], lines);
        Assert.All(tree.FindAll(".folder-heading, .folder-owner"), li => Assert.Equal("none", li.GetAttribute("role")));
    }

    [Fact]
    public void Clicking_a_folder_selects_it_by_its_full_path()
    {
        var chosen = new List<string>();
        var tree = RenderFolders(Mailbox, onSelect: chosen.Add);

        tree.Find("li[data-folder='Projects/Roof'] button").Click();
        tree.Find("li[data-folder=INBOX] button").Click();

        Assert.Equal(["Projects/Roof", "INBOX"], chosen);
    }

    [Fact]
    public void Dragging_over_a_folder_highlights_it_until_the_drag_leaves()
    {
        var tree = RenderFolders(Mailbox);

        tree.Find("li[data-folder=Trash]").DragEnter();
        Assert.Contains("drop", tree.Find("li[data-folder=Trash]").ClassList);
        Assert.Single(tree.FindAll("li.drop"));

        tree.Find("li[data-folder=Trash]").DragLeave();
        Assert.Empty(tree.FindAll("li.drop"));
    }

    [Fact]
    public void A_drop_reaches_the_page_only_on_a_folder_the_user_may_insert_into()
    {
        var dropped = new List<string>();
        var tree = RenderFolders([Own("INBOX", "INBOX"), Own("Readonly", "Readonly", rights: "lr")], onDrop: dropped.Add);

        tree.Find("li[data-folder=Readonly]").DragEnter();
        tree.Find("li[data-folder=Readonly]").Drop();
        tree.Find("li[data-folder=INBOX]").Drop();

        Assert.Equal(["INBOX"], dropped);
        Assert.Empty(tree.FindAll("li.drop"));
    }
}
