// The webmail at 100,000 messages (bench/webmail.sh): fills one INBOX through the app's storage services,
// lets the real host's background indexer summarize and text-index it, then times the first page of the
// list and a body search at the service, in Chromium, and over IMAP beside Dovecot with the same bytes.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Appliance.Accounts;
using Appliance.Hosting;
using Appliance.Mailstore;
using Appliance.Setup;
using Appliance.Storage;
using Appliance.Web.Mail;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WebmailBench;

var options = Options.Parse(args);
const string Password = "Bench-Webmail-2026";
var results = new List<Timing>();
var facts = new List<(string, string)>();
void Fact(string name, string value)
{
    facts.Add((name, value));
    Console.WriteLine($"  {name}: {value}");
}

var dataDirectory = Path.Combine(options.Base, "appliance");
if (Directory.Exists(dataDirectory))
{
    Directory.Delete(dataDirectory, recursive: true);
}
Directory.CreateDirectory(dataDirectory);
var httpPort = FreePort();
var imapsPort = FreePort();
var app = await Appliance.Program.CreateAsync(
[
    $"--Appliance:Listeners:Http={httpPort}", $"--Appliance:Listeners:Imaps={imapsPort}",
    "--Appliance:Listeners:Https=0", "--Appliance:Listeners:Imap=0", "--Appliance:Listeners:Smtp=0", "--Appliance:Listeners:Submission=0",
    "--Appliance:Listeners:Smtps=0", "--Appliance:Listeners:Pop3=0", "--Appliance:Listeners:Pop3s=0",
    "--Logging:LogLevel:Default=Warning",
], dataDirectory);
var services = app.Services;
await services.GetRequiredService<SetupService>().CompleteAsync(
    new SetupRequest("en", "mail.example.com", "example.com", "admin@example.com", "Quartz-Lantern-" + Environment.ProcessId + "-Orbit"));
await services.GetRequiredService<UserService>().AddAsync(Actor.CommandLine, new NewUser(MailGenerator.Recipient, Password, "Bob Keller"));

// --- (b) fill, as DeliveryAgent stores a message: blob first (fsynced), then its rows in one transaction per batch ---
Console.WriteLine($"filling INBOX with {options.Messages:N0} messages…");
var database = services.GetRequiredService<Database>();
var blobs = services.GetRequiredService<BlobStore>();
var store = services.GetRequiredService<MailStore>();
var mail = services.GetRequiredService<MailService>();
var user = await mail.UserAsync(MailGenerator.Recipient) ?? throw new InvalidOperationException("no user");
var inbox = (await store.MailboxesAsync(user.Id)).Single(m => m.Name == "INBOX").Id;
var generator = new MailGenerator(options.Messages, options.Seed, options.End);
var fillClock = Stopwatch.StartNew();
long bytes = 0;
var filled = 0;
var fillDeadline = TimeSpan.FromMinutes(options.FillMinutes);
while (generator.HasNext && fillClock.Elapsed < fillDeadline)
{
    var batch = new List<GeneratedMessage>(options.Batch);
    while (batch.Count < options.Batch && generator.HasNext)
    {
        batch.Add(generator.Next());
    }
    var stored = new BlobRef[batch.Count];
    // Deliveries store blobs concurrently (one per SMTP session); so does the fill, so that file and folder syncs overlap.
    await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        stored[i] = await blobs.StoreAsync(new MemoryStream(batch[i].Bytes), ct));
    try
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            for (var i = 0; i < batch.Count; i++)
            {
                await BlobStore.RegisterAsync(connection, transaction, stored[i]);
                await store.AppendAsync(connection, transaction, inbox, stored[i], batch[i].InternalDate);
            }
        });
    }
    finally
    {
        foreach (var blob in stored)
        {
            blobs.Unpin(blob);
        }
    }
    filled += batch.Count;
    bytes += batch.Sum(m => (long)m.Bytes.Length);
    if (filled % 10_000 < options.Batch)
    {
        Console.WriteLine($"  {filled:N0} stored, {fillClock.Elapsed.TotalSeconds:0} s");
    }
}
fillClock.Stop();
if (filled < options.Messages)
{
    Console.WriteLine($"  the fill reached its {options.FillMinutes}-minute bound at {filled:N0} messages");
}
Fact("messages", $"{filled:N0} ({bytes / filled:N0} bytes on average, {bytes / (1 << 20):N0} MiB; {generator.Replies:N0} replies, {generator.Attachments:N0} with an attachment; "
    + $"'{MailGenerator.RareWord}' in {MailGenerator.RareCount}, '{MailGenerator.CommonWord}' in {generator.CommonCount:N0})");
Fact("fill", $"{fillClock.Elapsed.TotalSeconds:0.0} s, {filled / fillClock.Elapsed.TotalSeconds:N0} messages/s (every blob fsynced, {options.Batch} messages per commit)");

// --- (c) the real host's background indexer summarizes and text-indexes what was stored ---
Console.WriteLine("starting the host; waiting for the background indexer…");
var indexClock = Stopwatch.StartNew();
await app.StartAsync();
var indexDeadline = TimeSpan.FromMinutes(options.IndexMinutes);
long summarized = 0, indexed = 0;
while (indexClock.Elapsed < indexDeadline)
{
    await using (var connection = await database.OpenAsync())
    {
        summarized = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM message_summaries");
        indexed = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM message_text_index");
    }
    if (summarized >= filled && indexed >= filled)
    {
        break;
    }
    if ((int)indexClock.Elapsed.TotalSeconds % 30 == 0)
    {
        Console.WriteLine($"  {summarized:N0} summarized, {indexed:N0} indexed, {indexClock.Elapsed.TotalSeconds:0} s");
    }
    await Task.Delay(1000);
}
indexClock.Stop();
Fact("background indexing", summarized >= filled && indexed >= filled
    ? $"{indexClock.Elapsed.TotalSeconds:0.0} s, {filled / indexClock.Elapsed.TotalSeconds:N0} messages/s (summaries and FTS5 trigram index)"
    : $"not finished in {options.IndexMinutes} minutes: {summarized:N0} summarized, {indexed:N0} indexed");
Fact("database size", $"{DatabaseBytes(dataDirectory) / (1 << 20):N0} MiB (appliance.db with its WAL)");

if (options.FillOnly)
{
    // A data folder for other benchmarks (bench/imap.sh sort): Dovecot's copy of the same bytes is written beside it.
    if (options.Maildir is not null)
    {
        var written = Maildir.Write(options.Maildir, new MailGenerator(options.Messages, options.Seed, options.End), filled);
        Fact("Dovecot Maildir written", $"{written:N0} files");
    }
    await app.StopAsync();
    await app.DisposeAsync();
    return 0;
}

// --- (e) service level ---
Console.WriteLine("service level (MailService, in process)…");
foreach (var (sort, descending, label) in new[] { (MessageSort.Date, true, "date"), (MessageSort.From, false, "sender"), (MessageSort.Subject, false, "subject") })
{
    results.Add(await Measure.WallClockAsync($"service: first page (50) by {label}", async () =>
    {
        var page = await mail.PageAsync(user, "INBOX", sort, descending, 0, 50);
        Check(page.Count == Math.Min(50, filled), $"page has {page.Count} rows");
    }));
}
results.Add(await Measure.WallClockAsync("service: folder tree with counts", async () => await mail.FoldersAsync(user)));
var searchLimit = mail.Options.SearchLimit;
results.Add(await Measure.WallClockAsync($"service: body search, rare word ({MailGenerator.RareCount} hits)", async () =>
{
    var found = await mail.SearchAsync(user, "INBOX", new MessageQuery(Body: MailGenerator.RareWord));
    Check(found.Count == MailGenerator.RareCount || filled < options.Messages, $"rare word found {found.Count} times");
}));
results.Add(await Measure.WallClockAsync($"service: body search, common word (limit {searchLimit})", async () =>
{
    var found = await mail.SearchAsync(user, "INBOX", new MessageQuery(Body: MailGenerator.CommonWord));
    Check(found.Count == Math.Min(searchLimit, generator.CommonCount), $"common word found {found.Count} times");
}));

// --- (e) Chromium ---
if (!options.SkipBrowser)
{
    Console.WriteLine("Chromium…");
    results.AddRange(await BrowserBench.RunAsync(new Uri($"http://127.0.0.1:{httpPort}"), MailGenerator.Recipient, Password, MailGenerator.RareWord, MailGenerator.RareCount));
}

// --- (e) IMAP, Appliance and Dovecot side by side ---
if (options.ImapScript is not null)
{
    Console.WriteLine("IMAP, Appliance…");
    results.AddRange(await ImapBench.RunAsync(options.ImapScript, "Appliance", imapsPort, MailGenerator.Recipient, Password));
    if (options.Maildir is not null && options.DovecotPort > 0)
    {
        Console.WriteLine("Dovecot: writing the same messages to its Maildir…");
        var maildirClock = Stopwatch.StartNew();
        var written = Maildir.Write(options.Maildir, new MailGenerator(options.Messages, options.Seed, options.End), filled);
        maildirClock.Stop();
        Fact("Dovecot Maildir written", $"{written:N0} files in {maildirClock.Elapsed.TotalSeconds:0.0} s (plain files, no fsync, mtime = arrival date)");
        var indexSeconds = await ImapBench.RunProcessAsync("doveadm", ["-c", options.DovecotConfig!, "index", "-u", MailGenerator.Recipient, "INBOX"], TimeSpan.FromMinutes(options.IndexMinutes));
        Fact("Dovecot index build", $"{indexSeconds:0.0} s (doveadm index INBOX: dovecot.index and cache; no FTS plugin)");
        Console.WriteLine("IMAP, Dovecot…");
        results.AddRange(await ImapBench.RunAsync(options.ImapScript, "Dovecot", options.DovecotPort, MailGenerator.Recipient, options.DovecotPassword));
    }
}

await app.StopAsync();
await app.DisposeAsync();

var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"| measurement | median | p90 | n |");
report.AppendLine("|---|---|---|---|");
foreach (var t in results)
{
    report.AppendLine(CultureInfo.InvariantCulture, $"| {t.Name}{(t.Note.Length > 0 ? " (" + t.Note + ")" : "")} | {t.Median:0.0} ms | {t.P90:0.0} ms | {t.Samples.Count} |");
}
report.AppendLine();
foreach (var (name, value) in facts)
{
    report.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {value}");
}
Console.WriteLine();
Console.WriteLine(report);
if (options.Results is not null)
{
    await File.WriteAllTextAsync(options.Results, report.ToString());
    await File.WriteAllTextAsync(Path.ChangeExtension(options.Results, ".json"), JsonSerializer.Serialize(results.Select(t => new { t.Name, t.Median, t.P90, t.Samples, t.Note })));
}
return 0;

static void Check(bool condition, string what)
{
    if (!condition)
    {
        throw new InvalidOperationException("unexpected result: " + what);
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static long DatabaseBytes(string dataDirectory) =>
    Directory.EnumerateFiles(dataDirectory, "appliance.db*").Sum(f => new FileInfo(f).Length);

internal sealed record Options(int Messages, string Base, int Seed, DateTimeOffset End, int Batch, double FillMinutes, double IndexMinutes,
    bool SkipBrowser, bool FillOnly, string? ImapScript, string? Maildir, int DovecotPort, string? DovecotConfig, string DovecotPassword, string? Results)
{
    public static Options Parse(string[] args)
    {
        string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        Measure.Repetitions = Int("--repetitions", 10);
        Measure.Warmups = Int("--warmups", 2);
        return new Options(
            Messages: Int("--messages", 100_000),
            Base: Value("--base") ?? "/tmp/appliance-webmailbench",
            Seed: Int("--seed", 20261128),
            End: new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero),
            Batch: Int("--batch", 1000),
            FillMinutes: Int("--fill-minutes", 25),
            IndexMinutes: Int("--index-minutes", 25),
            SkipBrowser: args.Contains("--no-browser"),
            FillOnly: args.Contains("--fill-only"),
            ImapScript: Value("--imap-script"),
            Maildir: Value("--maildir"),
            DovecotPort: Int("--dovecot-port", 0),
            DovecotConfig: Value("--dovecot-config"),
            DovecotPassword: Value("--dovecot-password") ?? Password,
            Results: Value("--results"));
    }

    private const string Password = "Bench-Webmail-2026";
}
