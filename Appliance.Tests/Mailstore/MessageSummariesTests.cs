using System.Text;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Mailstore;

public sealed class MessageSummariesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private TestServices _services = null!;
    private long _inbox;
    private long _archive;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync();
        await _services.SetUpAsync();
        var user = (await _services.Get<UserRepository>().FindAsync("admin@example.com"))!;
        var store = _services.Get<MailStore>();
        await store.EnsureDefaultsAsync(user.Id);
        _inbox = (await store.FindMailboxAsync(user.Id, "INBOX"))!.Id;
        _archive = (await store.FindMailboxAsync(user.Id, "Archive"))!.Id;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private MessageSummaries Summaries => _services.Get<MessageSummaries>();

    private static string Mail(string from = "Alice <alice@example.org>", string to = "Bob <bob@example.com>", string subject = "Hello",
        string body = "Hi", string? cc = null, string headers = "") =>
        $"From: {from}\r\nTo: {to}\r\n" + (cc is null ? "" : $"Cc: {cc}\r\n") + $"Subject: {subject}\r\n{headers}\r\n{body}\r\n";

    /// <summary>Stores the message in the folder as a delivery would; returns its UID.</summary>
    private async Task<long> AddAsync(long mailboxId, string message, DateTimeOffset internalDate, string flags = "")
    {
        var blobs = _services.Get<BlobStore>();
        var blob = await blobs.StoreAsync(new MemoryStream(Encoding.UTF8.GetBytes(message)));
        try
        {
            return await _services.Get<Database>().InTransactionAsync(async (connection, transaction) =>
            {
                await BlobStore.RegisterAsync(connection, transaction, blob);
                return await _services.Get<MailStore>().AppendAsync(connection, transaction, mailboxId, blob, internalDate, flags);
            });
        }
        finally
        {
            blobs.Unpin(blob);
        }
    }

    internal static string BlobPath(StorageOptions options, string hash) => Path.Combine(options.BlobDirectory, hash[..2], hash);

    /// <summary>A domain, Bob, his INBOX and one message of this blob, written in SQL as an older version left them; (INBOX id, Bob's id).</summary>
    private static async Task<(long Mailbox, long UserId)> SeedOneMessageAsync(TestServices services, BlobRef blob, string internalDate)
    {
        await using var connection = await services.Get<Database>().OpenAsync();
        return await connection.QuerySingleAsync<(long, long)>("""
            INSERT INTO domains(name, created_at) VALUES ('example.com', '2026-01-01');
            INSERT INTO users(address, domain_id, display_name, password_hash, created_at, security_stamp)
                SELECT 'bob@example.com', id, 'Bob', 'x', '2026-01-01', 's' FROM domains;
            INSERT INTO mailboxes(user_id, name, uidvalidity, uidnext, created_at) SELECT id, 'INBOX', 7, 2, '2026-01-01' FROM users;
            INSERT INTO messages(mailbox_id, uid, blob_hash, size, internal_date, flags)
                SELECT id, 1, @Hash, @Size, @internalDate, '' FROM mailboxes;
            SELECT id, user_id FROM mailboxes;
            """, new { blob.Hash, blob.Size, internalDate });
    }

    private static MessageSummary Summarize(string message) => MessageSummaries.Summarize(MimeMessage.Parse(Encoding.UTF8.GetBytes(message)), "hash");

    [Fact]
    public void Summary_decodes_the_subject_and_the_sender_name()
    {
        var summary = Summarize(Mail(
            from: "=?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@example.org>",
            to: "\"Doe, Jane\" <jane@example.com>, bob@example.com",
            cc: "=?UTF-8?B?Wm/Dqw==?= <zoe@example.net>",
            subject: "=?UTF-8?B?w4l0w6kgw6AgUGFyaXM=?=\r\n =?UTF-8?Q?_et_Rome?=",
            headers: "Date: Sun, 1 Mar 2026 10:15:00 +0100\r\nMessage-ID: <m1@example.org>\r\n"));

        Assert.Equal("Été à Paris et Rome", summary.Subject);
        Assert.Equal("André Müller", summary.FromName);
        Assert.Equal("andre@example.org", summary.FromAddress);
        Assert.Equal("Doe, Jane <jane@example.com>, bob@example.com", summary.To);
        Assert.Equal("Zoë <zoe@example.net>", summary.Cc);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 15, 0, TimeSpan.FromHours(1)), summary.SentAt);
        Assert.Equal("<m1@example.org>", summary.MessageId);
        Assert.Equal("Hi", summary.Preview);
    }

    [Fact]
    public void Summary_of_a_message_without_date_or_ids_keys_its_conversation_by_the_hash()
    {
        var summary = Summarize(Mail(headers: "Date: not a date\r\n"));
        Assert.Null(summary.SentAt);
        Assert.Null(summary.MessageId);
        Assert.Null(summary.InReplyTo);
        Assert.Equal("hash", summary.ThreadKey);
    }

    [Fact]
    public void Conversation_is_keyed_by_the_first_reference_else_in_reply_to_else_the_own_id()
    {
        var root = Summarize(Mail(headers: "Message-ID: <root@example.org>\r\n"));
        var reply = Summarize(Mail(headers: "Message-ID: <r1@example.org>\r\nIn-Reply-To: <root@example.org>\r\n"));
        var deep = Summarize(Mail(headers: "Message-ID: <r2@example.org>\r\nIn-Reply-To: <r1@example.org>\r\nReferences: <root@example.org>\r\n <r1@example.org>\r\n"));
        // Old clients write a phrase around the id.
        var quoted = Summarize(Mail(headers: "In-Reply-To: Your message of Monday <root@example.org>\r\n"));

        Assert.Equal("<root@example.org>", root.ThreadKey);
        Assert.Equal("<root@example.org>", reply.ThreadKey);
        Assert.Equal("<root@example.org>", reply.InReplyTo);
        Assert.Equal("<root@example.org>", deep.ThreadKey);
        Assert.Equal("<r1@example.org>", deep.InReplyTo);
        Assert.Equal("<root@example.org>", quoted.ThreadKey);
    }

    [Fact]
    public void Attachments_are_parts_marked_so_forwarded_messages_and_named_files_but_not_inline_images()
    {
        const string attached = """
            From: a@example.org
            Subject: report
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain

            See the report.
            --b
            Content-Type: application/pdf
            Content-Disposition: attachment; filename="report.pdf"
            Content-Transfer-Encoding: base64

            JVBERi0=
            --b--
            """;
        const string appleInline = """
            From: a@example.org
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain

            Photo:
            --b
            Content-Type: image/jpeg; name="photo.jpg"
            Content-Disposition: inline; filename="photo.jpg"

            xx
            --b--
            """;
        const string forwarded = """
            From: a@example.org
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain

            Forwarding this.
            --b
            Content-Type: message/rfc822

            From: c@example.org
            Subject: original

            The original text.
            --b--
            """;
        const string related = """
            From: a@example.org
            Content-Type: multipart/related; boundary="b"

            --b
            Content-Type: text/html

            <html><head><title>T</title><style>p { color: red }</style></head><body><p>Our&nbsp;logo:</p><img src="cid:logo@x"></body></html>
            --b
            Content-Type: image/png; name="logo.png"
            Content-ID: <logo@x>
            Content-Disposition: inline; filename="logo.png"

            xx
            --b--
            """;

        var report = Summarize(attached);
        Assert.True(report.HasAttachments);
        Assert.Equal("See the report.", report.Preview);
        Assert.True(Summarize(appleInline).HasAttachments);
        var forward = Summarize(forwarded);
        Assert.True(forward.HasAttachments);
        Assert.Equal("Forwarding this.", forward.Preview);
        var html = Summarize(related);
        Assert.False(html.HasAttachments);
        Assert.Equal("Our logo:", html.Preview);
        Assert.False(Summarize(Mail()).HasAttachments);
    }

    [Fact]
    public void Preview_collapses_white_space_and_stops_at_200_characters()
    {
        var body = "First line\r\n\r\n\t  second   line\r\n" + string.Concat(Enumerable.Repeat("word ", 100));
        var preview = Summarize(Mail(body: body)).Preview;
        Assert.StartsWith("First line second line word word", preview, StringComparison.Ordinal);
        Assert.True(preview.Length <= MessageSummaries.PreviewLength);
        Assert.True(preview.Length >= MessageSummaries.PreviewLength - 5);
        Assert.DoesNotContain("  ", preview, StringComparison.Ordinal);
        Assert.False(preview.EndsWith(' '));
    }

    [Theory]
    [InlineData("Re: Hello", "hello")]
    [InlineData("RE: Fwd: AW: Hello", "hello")]
    [InlineData("Re[2]: Hello", "hello")]
    [InlineData("TR : RV: WG: Fw: Hello World", "hello world")]
    [InlineData("Reply needed", "reply needed")]
    [InlineData("Re:", "")]
    [InlineData("  Été ", "été")]
    public void Subject_sorts_without_reply_and_forward_prefixes(string subject, string key) =>
        Assert.Equal(key, MessageSummaries.SubjectSortKey(subject));

    [Fact]
    public async Task Pages_sort_by_date_sender_subject_and_size_both_ways()
    {
        var data = new (string From, string Subject, int Days, int BodyLength)[]
        {
            ("Carol <carol@example.org>", "Re: banana", 2, 40),
            ("alice@example.org", "apple", 0, 10),
            ("Bob <bob@example.org>", "Fwd: Cherry", 4, 50),
            ("dave <dave@example.org>", "AW: date", 1, 20),
            ("Eve <eve@example.org>", "elderberry", 3, 30),
        };
        var uids = new List<long>();
        foreach (var (from, subject, days, length) in data)
        {
            uids.Add(await AddAsync(_inbox, Mail(from: from, subject: subject, body: new string('x', length)), Day.AddDays(days)));
        }
        string[] fromKeys = ["carol", "alice@example.org", "bob", "dave", "eve"];
        string[] subjectKeys = ["banana", "apple", "cherry", "date", "elderberry"];

        foreach (var sort in Enum.GetValues<MessageSort>())
        {
            foreach (var descending in new[] { false, true })
            {
                var order = Enumerable.Range(0, data.Length);
                IOrderedEnumerable<int> sorted = sort switch
                {
                    MessageSort.Date => order.OrderBy(i => data[i].Days),
                    MessageSort.Size => order.OrderBy(i => data[i].BodyLength),
                    MessageSort.From => order.OrderBy(i => fromKeys[i], StringComparer.Ordinal),
                    _ => order.OrderBy(i => subjectKeys[i], StringComparer.Ordinal),
                };
                var expected = sorted.Select(i => uids[i]).ToList();
                if (descending)
                {
                    expected.Reverse();
                }

                var all = await Summaries.PageAsync(_inbox, sort, descending, 0, 10, default);
                Assert.Equal(expected, all.Select(m => m.Uid).ToList());
                var page = await Summaries.PageAsync(_inbox, sort, descending, 1, 3, default);
                Assert.Equal(expected.Skip(1).Take(3).ToList(), page.Select(m => m.Uid).ToList());
            }
        }

        var first = (await Summaries.PageAsync(_inbox, MessageSort.Date, false, 0, 1, default)).Single();
        Assert.Equal("apple", first.Summary.Subject);
        Assert.Equal("alice@example.org", first.Summary.FromAddress);
        Assert.Equal(Day, first.InternalDate);
        Assert.Empty(await Summaries.PageAsync(_inbox, MessageSort.Date, false, 5, 10, default));
    }

    [Fact]
    public async Task Equal_keys_are_ordered_by_uid()
    {
        var a = await AddAsync(_inbox, Mail(subject: "Same", body: "uno!"), Day);
        // As long as the others: "Re: " in place of four characters of body.
        var b = await AddAsync(_inbox, Mail(subject: "Re: same", body: ""), Day);
        var c = await AddAsync(_inbox, Mail(subject: "same", body: "six!"), Day);
        Assert.Equal([a, b, c], (await Summaries.PageAsync(_inbox, MessageSort.Date, false, 0, 10, default)).Select(m => m.Uid));
        Assert.Equal([c, b, a], (await Summaries.PageAsync(_inbox, MessageSort.Subject, true, 0, 10, default)).Select(m => m.Uid));
        Assert.Equal([a, b, c], (await Summaries.PageAsync(_inbox, MessageSort.Size, false, 0, 10, default)).Select(m => m.Uid));
    }

    [Fact]
    public async Task Conversations_group_replies_under_their_root_newest_first()
    {
        var root = await AddAsync(_inbox, Mail(subject: "Plan", headers: "Message-ID: <root@x>\r\n"), Day, MessageFlags.Seen);
        var reply = await AddAsync(_inbox, Mail(subject: "Re: Plan", headers: "Message-ID: <r1@x>\r\nIn-Reply-To: <root@x>\r\nReferences: <root@x>\r\n"), Day.AddDays(2));
        var other = await AddAsync(_inbox, Mail(subject: "Other", headers: "Message-ID: <other@x>\r\n"), Day.AddDays(1), MessageFlags.Seen);
        var deep = await AddAsync(_inbox, Mail(subject: "Re: Plan", headers: "Message-ID: <r2@x>\r\nIn-Reply-To: <r1@x>\r\nReferences: <root@x> <r1@x>\r\n"), Day.AddDays(3), @"\Seen \Flagged");
        var otherReply = await AddAsync(_inbox, Mail(subject: "Re: Other", headers: "Message-ID: <o1@x>\r\nIn-Reply-To: <other@x>\r\n"), Day.AddDays(4));
        // A copy of the root in another folder is not part of this folder's conversation.
        var archived = await AddAsync(_archive, Mail(subject: "Plan", headers: "Message-ID: <root@x>\r\n"), Day);

        var threads = await Summaries.ThreadsAsync(_inbox, 0, 10, default);
        // A conversation is named by its lowest UID.
        Assert.Equal([$"{other}", $"{root}"], threads.Select(t => t.ThreadKey));
        Assert.Equal((otherReply, 2, 1), (threads[0].Latest.Uid, threads[0].Count, threads[0].Unread));
        Assert.Equal((deep, 3, 1), (threads[1].Latest.Uid, threads[1].Count, threads[1].Unread));
        Assert.Equal("Re: Plan", threads[1].Latest.Summary.Subject);
        Assert.Equal(@"\Seen \Flagged", threads[1].Latest.Flags);

        Assert.Equal([$"{root}"], (await Summaries.ThreadsAsync(_inbox, 1, 10, default)).Select(t => t.ThreadKey));
        Assert.Equal(2, await Summaries.ThreadCountAsync(_inbox, default));
        Assert.Equal([root, reply, deep], (await Summaries.ThreadAsync(_inbox, $"{root}", default)).Select(m => m.Uid));
        Assert.Equal([root, reply, deep], (await Summaries.ThreadAsync(_inbox, $"{deep}", default)).Select(m => m.Uid));
        Assert.Equal([other, otherReply], (await Summaries.ThreadAsync(_inbox, $"{other}", default)).Select(m => m.Uid));
        Assert.Single(await Summaries.ThreadAsync(_archive, $"{archived}", default));
        Assert.Empty(await Summaries.ThreadAsync(_inbox, "<root@x>", default));
    }

    [Fact]
    public async Task Counts_are_messages_and_those_without_seen()
    {
        await AddAsync(_inbox, Mail(body: "1"), Day, @"\Seen");
        await AddAsync(_inbox, Mail(body: "2"), Day, @"\seen \Flagged");
        await AddAsync(_inbox, Mail(body: "3"), Day, @"\Flagged \Seen");
        await AddAsync(_inbox, Mail(body: "4"), Day, "");
        await AddAsync(_inbox, Mail(body: "5"), Day, @"\Flagged Seen");
        await AddAsync(_archive, Mail(body: "6"), Day, @"\Answered");

        var counts = await Summaries.CountsAsync([_inbox, _archive, 999], default);
        Assert.Equal((5, 2), counts[_inbox]);
        Assert.Equal((1, 1), counts[_archive]);
        Assert.Equal((0, 0), counts[999]);
    }

    [Fact]
    public async Task Search_matches_each_criterion_and_dates_across_folders_newest_first()
    {
        var a = await AddAsync(_inbox, Mail(from: "Alice Martin <alice@example.org>", to: "Bob <bob@example.com>", cc: "=?UTF-8?Q?Zo=C3=AB?= <zoe@example.net>",
            subject: "Quarterly report", body: "The numbers are attached"), Day);
        var b = await AddAsync(_inbox, Mail(from: "Bob <bob@example.com>", to: "Alice <alice@example.org>", subject: "Lunch?", body: "Café at noon"), Day.AddDays(10));
        var c = await AddAsync(_inbox, Mail(from: "carol@example.net", to: "team@example.com", subject: "=?UTF-8?Q?=C3=89T=C3=89_plans?=", body: "Summer holidays ok"), Day.AddDays(20));
        var d = await AddAsync(_archive, Mail(from: "Alice Martin <alice@example.org>", to: "dave@example.com", subject: "Old report", body: "numbers from last year"), Day.AddDays(-30));
        long[] both = [_inbox, _archive];

        async Task<List<(long, long)>> Find(MessageQuery query, long[]? folders = null, int limit = 100) =>
            (await Summaries.SearchAsync(folders ?? both, query, limit, default)).Select(f => (f.MailboxId, f.Message.Uid)).ToList();

        Assert.Equal([(_inbox, a), (_archive, d)], await Find(new(From: "alice")));
        Assert.Equal([(_inbox, a), (_archive, d)], await Find(new(From: "ALICE@EXAMPLE")));
        Assert.Equal([(_inbox, a), (_archive, d)], await Find(new(From: "Martin")));
        Assert.Equal([(_inbox, a)], await Find(new(From: "alice"), [_inbox]));
        Assert.Equal([(_inbox, a)], await Find(new(From: "alice"), limit: 1));
        Assert.Equal([(_inbox, a)], await Find(new(To: "zoe")));
        Assert.Equal([(_inbox, a)], await Find(new(To: "ZOË")));
        Assert.Equal([(_inbox, b)], await Find(new(To: "alice")));
        Assert.Equal([(_inbox, a), (_archive, d)], await Find(new(Subject: "report")));
        Assert.Equal([(_inbox, c)], await Find(new(Subject: "été")));
        Assert.Equal([(_inbox, a), (_archive, d)], await Find(new(Body: "numbers")));
        Assert.Equal([(_inbox, b)], await Find(new(Body: "CAFÉ")));
        Assert.Equal([(_inbox, c)], await Find(new(Body: "ok")));
        Assert.Empty(await Find(new(Body: "report")));
        Assert.Equal([(_inbox, c), (_inbox, b)], await Find(new(Since: Day.AddDays(5))));
        Assert.Equal([(_inbox, a), (_archive, d)], await Find(new(Before: Day.AddDays(5))));
        Assert.Equal([(_inbox, b)], await Find(new(Since: Day.AddDays(10), Before: Day.AddDays(20))));
        Assert.Equal([(_inbox, a)], await Find(new(From: "alice", Body: "numbers", Since: Day.AddDays(-1))));
        Assert.Equal([(_inbox, c), (_inbox, b), (_inbox, a), (_archive, d)], await Find(new()));
        Assert.Empty(await Find(new(From: "nobody")));

        var found = (await Summaries.SearchAsync([_inbox], new(Subject: "lunch"), 10, default)).Single();
        Assert.Equal("Bob", found.Message.Summary.FromName);
        Assert.Equal("Café at noon", found.Message.Summary.Preview);
    }

    [Theory]
    [InlineData(2000)]
    [InlineData(0)]
    public async Task Body_search_answers_alike_for_a_rare_word_and_a_common_one(int fewBodies)
    {
        // 0: every word counts as common, so the search reads the folders newest first and checks in SQL.
        Summaries.FewBodies = fewBodies;
        var a = await AddAsync(_inbox, Mail(subject: "one", body: "numbers and more"), Day);
        var b = await AddAsync(_inbox, Mail(subject: "two", body: "no figures"), Day.AddDays(1));
        var c = await AddAsync(_archive, Mail(subject: "three", body: "NUMBERS again"), Day.AddDays(2));
        var d = await AddAsync(_inbox, Mail(subject: "four", body: "numbers, late"), Day.AddDays(3));
        long[] both = [_inbox, _archive];
        async Task<List<(long, long)>> Find(MessageQuery query, long[]? folders = null, int limit = 100) =>
            (await Summaries.SearchAsync(folders ?? both, query, limit, default)).Select(f => (f.MailboxId, f.Message.Uid)).ToList();

        Assert.Equal([(_inbox, d), (_archive, c), (_inbox, a)], await Find(new(Body: "numbers")));
        Assert.Equal([(_inbox, d), (_inbox, a)], await Find(new(Body: "numbers"), [_inbox]));
        Assert.Equal([(_inbox, d), (_archive, c)], await Find(new(Body: "numbers"), limit: 2));
        Assert.Equal([(_archive, c)], await Find(new(Body: "numbers", Subject: "three")));
        Assert.Equal([(_inbox, a)], await Find(new(Body: "numbers", Before: Day.AddDays(1))));
        Assert.Equal([(_inbox, b)], await Find(new(Body: "figures")));
        Assert.Empty(await Find(new(Body: "zebra")));
    }

    [Fact]
    public async Task Lists_summarize_messages_on_first_need_and_by_uid()
    {
        var first = await AddAsync(_inbox, Mail(subject: "One", body: "1"), Day);
        var second = await AddAsync(_inbox, Mail(subject: "Two", body: "2"), Day.AddDays(1));
        await using (var connection = await _services.Get<Database>().OpenAsync())
        {
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM message_summaries"));
        }

        var listed = await Summaries.ByUidsAsync(_inbox, [second, first, 77], default);
        Assert.Equal([first, second], listed.Select(m => m.Uid));
        Assert.Equal(["One", "Two"], listed.Select(m => m.Summary.Subject));
        await using var check = await _services.Get<Database>().OpenAsync();
        Assert.Equal(2, await check.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM message_summaries"));
    }

    [Fact]
    public async Task Summary_goes_with_its_blob()
    {
        var uid = await AddAsync(_inbox, Mail(subject: "Short-lived"), Day);
        await Summaries.SearchAsync([_inbox], new(Subject: "short", Body: "Hi there"), 10, default);
        var hash = (await Summaries.ByUidsAsync(_inbox, [uid], default)).Single().BlobHash;
        await using var connection = await _services.Get<Database>().OpenAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM message_summaries WHERE hash = @hash", new { hash }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM message_text_index WHERE hash = @hash", new { hash }));

        await _services.Get<MailStore>().DeleteMessagesAsync(_inbox, [uid]);
        Assert.Equal(1, await _services.Get<BlobStore>().SweepAsync(TimeSpan.Zero));

        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM message_summaries WHERE hash = @hash", new { hash }));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM message_text_index WHERE hash = @hash", new { hash }));
    }

    [Fact]
    public async Task Missing_body_is_listed_with_empty_fields()
    {
        var uid = await AddAsync(_inbox, Mail(subject: "Lost"), Day);
        var hash = (await _services.Get<MailStore>().MessagesByUidAsync(_inbox, [uid])).Single().BlobHash;
        File.Delete(BlobPath(_services.Get<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value, hash));

        var listed = (await Summaries.PageAsync(_inbox, MessageSort.Subject, false, 0, 10, default)).Single();
        Assert.Equal("", listed.Summary.Subject);
        Assert.Equal(hash, listed.Summary.ThreadKey);
    }

    [Fact]
    public async Task Migration_8_summarizes_messages_already_stored()
    {
        await using var services = await TestServices.CreateAsync(migrate: false);
        var migrator = services.Get<Migrator>();
        Assert.Equal(7, await migrator.MigrateAsync(Migrations.All.Where(m => m.Version <= 7).ToList()));
        var blob = await services.Get<BlobStore>().PutAsync(new MemoryStream(Encoding.UTF8.GetBytes(Mail(subject: "From before"))));
        var (mailbox, _) = await SeedOneMessageAsync(services, blob, "2026-01-01T00:00:00.0000000+00:00");

        Assert.Equal(Migrations.All.Max(m => m.Version), await migrator.MigrateAsync());

        var listed = (await services.Get<MessageSummaries>().PageAsync(mailbox, MessageSort.Date, true, 0, 10, default)).Single();
        Assert.Equal("From before", listed.Summary.Subject);
        await using var check = await services.Get<Database>().OpenAsync();
        var plan = string.Join('\n', (await check.QueryAsync(
            "EXPLAIN QUERY PLAN SELECT uid FROM messages WHERE mailbox_id = 1 ORDER BY internal_date DESC LIMIT 50")).Select(row => (string)row.detail));
        Assert.Contains("messages_mailbox_date", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_by_sender_and_subject_are_slices_of_one_kept_order_that_new_mail_and_expunges_renew()
    {
        var carol = await AddAsync(_inbox, Mail(from: "Carol <c@example.org>", subject: "Re: Beta"), Day);
        var alice = await AddAsync(_inbox, Mail(from: "Alice <a@example.org>", subject: "Gamma"), Day);
        var bert = await AddAsync(_inbox, Mail(from: "bert@example.org", subject: "AW: alpha"), Day);
        async Task<long[]> Page(MessageSort sort, bool descending, int offset, int count) =>
            [.. (await Summaries.PageAsync(_inbox, sort, descending, offset, count, null)).Select(m => m.Uid)];

        Assert.Equal([alice, bert, carol], await Page(MessageSort.From, false, 0, 10));
        var kept = Summaries.KeptResults;
        // The next pages of the same order come from the order kept, not a new one.
        Assert.Equal([bert], await Page(MessageSort.From, false, 1, 1));
        Assert.Equal([carol], await Page(MessageSort.From, false, 2, 5));
        Assert.Empty(await Page(MessageSort.From, false, 3, 5));
        Assert.Equal(kept, Summaries.KeptResults);
        Assert.Equal([carol, bert, alice], await Page(MessageSort.From, true, 0, 10));
        Assert.Equal([bert, carol, alice], await Page(MessageSort.Subject, false, 0, 10));

        // New mail: the order is made again and holds it; so after an expunge.
        var aaron = await AddAsync(_inbox, Mail(from: "Aaron <aa@example.org>", subject: "Delta"), Day);
        Assert.Equal([aaron, alice, bert, carol], await Page(MessageSort.From, false, 0, 10));
        Assert.Equal([bert, carol, aaron, alice], await Page(MessageSort.Subject, false, 0, 10));
        var store = _services.Get<MailStore>();
        await store.StoreFlagsAsync(_inbox, [alice], '+', [MessageFlags.Deleted], null);
        // A flag is no key: the kept order still answers, and the page shows the new flag.
        Assert.Contains(MessageFlags.Deleted, (await Summaries.PageAsync(_inbox, MessageSort.From, false, 1, 1, null)).Single().Flags, StringComparison.Ordinal);
        await store.ExpungeAsync(_inbox);
        Assert.Equal([aaron, bert, carol], await Page(MessageSort.From, false, 0, 10));
        Assert.Equal([bert, carol, aaron], await Page(MessageSort.Subject, false, 0, 10));
    }

    [Fact]
    public async Task Migration_16_gives_every_summarized_message_its_thread_row_and_the_rows_follow_copies_renames_and_expunges()
    {
        await using var services = await TestServices.CreateAsync(migrate: false);
        var migrator = services.Get<Migrator>();
        Assert.Equal(15, await migrator.MigrateAsync(Migrations.All.Where(m => m.Version <= 15).ToList()));
        var blob = await services.Get<BlobStore>().PutAsync(new MemoryStream(Encoding.UTF8.GetBytes(
            Mail(subject: "Re: Before", headers: "Message-ID: <b@x>\r\nReferences: <a@x>\r\nDate: Sun, 1 Mar 2026 08:00:00 +0000\r\n"))));
        var (inbox, userId) = await SeedOneMessageAsync(services, blob, "2026-03-02T00:00:00.0000000+00:00");
        // Summarized before the migration, as the indexer did since migration 13 (with sort keys and refs).
        await using (var connection = await services.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO message_summaries(hash, subject, subject_sort, from_name, from_address, from_sort, to_text, cc_text, sent_at,
                                              message_id, in_reply_to, thread_key, has_attachments, preview, sort_subject, sort_from, sort_date, refs)
                VALUES (@Hash, 'Re: Before', 'before', 'Alice', 'alice@example.org', 'alice', 'Bob', '', '2026-03-01T08:00:00+00:00',
                        '<b@x>', NULL, '<a@x>', 0, 'Hi', 'BEFORE', 'ALICE', @sent, '<a@x>');
                DELETE FROM index_queue;
                """, new { blob.Hash, sent = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() });
        }
        Assert.Equal(Migrations.All.Max(m => m.Version), await migrator.MigrateAsync());

        async Task<List<(long Mailbox, long Uid, string Id, string Refs, string Subject, long Sent, long Arrival)>> RowsAsync()
        {
            await using var connection = await services.Get<Database>().OpenAsync();
            return [.. await connection.QueryAsync<(long, long, string, string, string, long, long)>(
                "SELECT mailbox_id, uid, message_id, refs, subject, sent_ms, arrival_ms FROM message_threads ORDER BY mailbox_id, uid")];
        }
        var sent = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var arrival = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal([(inbox, 1L, "<b@x>", "<a@x>", "Re: Before", sent, arrival)], await RowsAsync());

        // A copy takes a row by trigger; RENAME INBOX moves the rows with the messages; an expunge takes them away.
        var store = services.Get<MailStore>();
        await store.CreateMailboxAsync(userId, "Archive");
        var archive = (await store.FindMailboxAsync(userId, "Archive"))!.Id;
        await store.CopyAsync(inbox, [1], archive, move: false, quotaBytes: 0, userId);
        Assert.Equal([inbox, archive], (await RowsAsync()).Select(r => r.Mailbox));
        await store.RenameMailboxAsync(userId, "INBOX", "Old mail");
        var old = (await store.FindMailboxAsync(userId, "Old mail"))!.Id;
        Assert.Equal(new[] { archive, old }.Order(), (await RowsAsync()).Select(r => r.Mailbox).Order());
        var threads = await services.Get<MessageSummaries>().ThreadSourcesAsync(old, default);
        Assert.Equal(("<b@x>", "<a@x>", "Re: Before"), (threads.Single().MessageId, threads.Single().References!.Single(), threads.Single().Subject));
        await store.StoreFlagsAsync(archive, [1], '+', [MessageFlags.Deleted], null);
        await store.ExpungeAsync(archive);
        Assert.Equal([old], (await RowsAsync()).Select(r => r.Mailbox));
    }
}
