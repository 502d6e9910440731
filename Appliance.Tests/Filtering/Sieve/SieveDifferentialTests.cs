using System.Text.RegularExpressions;
using Appliance.Filtering.Sieve;
using Appliance.Tests.Infrastructure;
using MimeKit;

namespace Appliance.Tests.Filtering.Sieve;

/// <summary>
/// Every script of TestData/Sieve/scripts over every message of TestData/Sieve/messages, run by this interpreter and by
/// Dovecot Pigeonhole's sieve-test (Debian dovecot-sieve, 0.5.19), with both action lists normalised by
/// <see cref="SieveTestBed.Normalize"/> and compared. Vacation scripts are run a second time with sieve-test -e, which
/// applies the RFC 5230 rules and says whether it would answer.
/// </summary>
public sealed partial class SieveDifferentialTests
{
    /// <summary>Where Pigeonhole cannot be the oracle, with the reason; these are checked against the expected result instead.</summary>
    /// <summary>Script, or "script/message", where Pigeonhole is not the oracle: the result this interpreter must give, and why.</summary>
    private static readonly Dictionary<string, (string[] Expected, string Reason)> Deviations = new(StringComparer.Ordinal)
    {
        // Pigeonhole 0.5.19 does not implement ereject (RFC 5429 §2.1): it refuses the require at compile time.
        ["ereject_spam/spam"] = (["reject Refused."], "Pigeonhole has no ereject"),
        ["ereject_spam"] = (["keep"], "Pigeonhole has no ereject"),
        // RFC 4790 §9.2: i;ascii-casemap maps letters to upper case before ordering, so "[" (0x5B) sorts after "M"
        // (0x4D). Pigeonhole folds to lower case, where "[" sorts before "m".
        // RFC 5229 §3.2: each "?" captures one character. Pigeonhole 0.5.19 matches "?" by character but captures one
        // octet, so ${1} holds half of "ü" and the fileinto of invalid UTF-8 fails.
        ["variables_matches_utf8/encoded"] = (["fileinto Utf8/aus Köln"], "Pigeonhole captures \"?\" as one octet"),
        ["relational_value_header/list"] = (["keep"], "i;ascii-casemap orders in upper case (RFC 4790 §9.2); Pigeonhole uses lower case"),
    };

    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(SieveTestBed.DataDirectory, "scripts"), "*.sieve").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }
        return data;
    }

    [Fact]
    public void Corpus_has_at_least_forty_scripts_and_five_messages()
    {
        Assert.True(Scripts().Count >= 40);
        Assert.True(Directory.GetFiles(Path.Combine(SieveTestBed.DataDirectory, "messages"), "*.eml").Length >= 5);
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Actions_agree_with_pigeonhole_sieve_test(string name)
    {
        using var work = new TempDirectory();
        // sieve-test run as root drops to nobody, which must read the script and message and may write the compiled binary.
        File.SetUnixFileMode(work.Path, (UnixFileMode)0x1FF);
        var config = Path.Combine(work.Path, "dovecot.conf");
        await File.WriteAllTextAsync(config, Config(work.Path));
        var scriptPath = Path.Combine(work.Path, name + ".sieve");
        var scriptText = await File.ReadAllTextAsync(Path.Combine(SieveTestBed.DataDirectory, "scripts", name + ".sieve"));
        await File.WriteAllTextAsync(scriptPath, scriptText);
        var failures = new List<string>();
        foreach (var messageFile in Directory.GetFiles(Path.Combine(SieveTestBed.DataDirectory, "messages"), "*.eml").Order(StringComparer.Ordinal))
        {
            var messageName = Path.GetFileNameWithoutExtension(messageFile);
            var messagePath = Path.Combine(work.Path, messageName + ".eml");
            File.Copy(messageFile, messagePath, overwrite: true);
            var message = MimeMessage.Load(messagePath);
            var sender = message.Headers["X-Envelope-From"]!.Trim();

            var ours = await Ours(scriptText, message, new FileInfo(messagePath).Length);
            var theirs = Pigeonhole(await SieveTest(config, scriptPath, messagePath, sender, execute: false));
            if (name.StartsWith("vacation", StringComparison.Ordinal) && !theirs.Contains("error") && theirs.All(l => !l.StartsWith("compile-error", StringComparison.Ordinal)))
            {
                // sieve-test -e really stores, and fails the run (vacation included) when a mailbox is missing: create them.
                var mail = Path.Combine(work.Path, "mail");
                Directory.CreateDirectory(mail);
                File.SetUnixFileMode(mail, (UnixFileMode)0x1FF);
                foreach (var box in theirs.Where(l => l.StartsWith("fileinto ", StringComparison.Ordinal)).Select(l => l["fileinto ".Length..].Split(' ')[0]).Append("inbox"))
                {
                    var boxPath = Path.Combine(mail, box);
                    await File.WriteAllBytesAsync(boxPath, []);
                    File.SetUnixFileMode(boxPath, (UnixFileMode)0x1B6);
                }
                theirs.AddRange(PigeonholeVacation(await SieveTest(config, scriptPath, messagePath, sender, execute: true)));
                theirs.Sort(StringComparer.Ordinal);
            }
            if (Deviations.TryGetValue($"{name}/{messageName}", out var deviation) || Deviations.TryGetValue(name, out deviation))
            {
                if (!ours.SequenceEqual(deviation.Expected))
                {
                    failures.Add($"{messageName}: ours [{string.Join("; ", ours)}], expected [{string.Join("; ", deviation.Expected)}] ({deviation.Reason})");
                }
                continue;
            }
            if (!ours.SequenceEqual(theirs))
            {
                failures.Add($"{messageName}: ours [{string.Join("; ", ours)}] sieve-test [{string.Join("; ", theirs)}]");
            }
        }
        Assert.True(failures.Count == 0, $"{name}:\n" + string.Join('\n', failures));
    }

    private static async Task<List<string>> Ours(string script, MimeMessage message, long size)
    {
        SieveScript compiled;
        try
        {
            compiled = SieveScript.Compile(script);
        }
        catch (SieveSyntaxException e)
        {
            return [$"compile-error line {e.Line}"];
        }
        var result = await new SieveInterpreter().RunAsync(compiled, SieveTestBed.Context(message, size));
        return SieveTestBed.Normalize(result);
    }

    private static string Config(string directory)
    {
        // Root may not run sieve-test as itself (Dovecot refuses uid 0): it drops to nobody. Another user runs as itself.
        var uid = Environment.IsPrivilegedProcess ? "65534" : Environment.GetEnvironmentVariable("UID") ?? "65534";
        return $$"""
            mail_uid = {{uid}}
            mail_gid = {{uid}}
            first_valid_uid = 1
            first_valid_gid = 1
            mail_location = mbox:{{directory}}/mail:INBOX={{directory}}/mail/inbox
            plugin {
              sieve_extensions = +spamtest +spamtestplus +virustest +vacation-seconds
              sieve_spamtest_status_type = score
              sieve_spamtest_status_header = X-Spam-Score
              sieve_spamtest_max_value = 10
              sieve_virustest_status_type = text
              sieve_virustest_status_header = X-Virus-Scan
              sieve_virustest_text_value1 = clean
              sieve_virustest_text_value5 = infected
            }
            """;
    }

    private static async Task<string> SieveTest(string config, string script, string message, string sender, bool execute)
    {
        List<string> args = ["-C", "-c", config, "-f", sender, "-a", SieveTestBed.Recipient];
        if (execute)
        {
            args.Add("-e");
        }
        args.AddRange([script, message]);
        var (_, output, error) = await ExternalProgram.RunAsync("sieve-test", args, timeoutSeconds: 30);
        return output + "\n" + error;
    }

    /// <summary>sieve-test's "Performed actions" and "Implicit keep" sections in the normal form.</summary>
    private static List<string> Pigeonhole(string output)
    {
        if (output.Contains("failed to compile sieve script", StringComparison.Ordinal))
        {
            var line = CompileErrorLine().Match(output);
            return [$"compile-error line {(line.Success ? line.Groups[1].Value : "?")}"];
        }
        if (output.Contains("final result: failed", StringComparison.Ordinal))
        {
            return ["error", "keep"];
        }
        var lines = new List<string>();
        string? store = null;
        var flags = new List<string>();
        void Flush()
        {
            if (store is not null)
            {
                lines.Add(SieveTestBed.Store(store == "INBOX" ? "keep" : "fileinto " + store, flags));
            }
            store = null;
            flags.Clear();
        }
        bool inMessage = false;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("START MESSAGE", StringComparison.Ordinal))
            {
                inMessage = true;
            }
            if (inMessage)
            {
                inMessage = !line.StartsWith("END MESSAGE", StringComparison.Ordinal);
                continue;
            }
            var trimmed = line.Trim();
            if (trimmed.StartsWith("* store message in folder: ", StringComparison.Ordinal))
            {
                Flush();
                store = trimmed["* store message in folder: ".Length..];
            }
            else if (trimmed.StartsWith("+ add IMAP flags: ", StringComparison.Ordinal))
            {
                flags.AddRange(trimmed["+ add IMAP flags: ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            else if (trimmed.StartsWith("* redirect message to: ", StringComparison.Ordinal))
            {
                Flush();
                lines.Add("redirect " + trimmed["* redirect message to: ".Length..].Trim('<', '>'));
            }
            else if (trimmed.StartsWith("* reject message with reason: ", StringComparison.Ordinal))
            {
                Flush();
                lines.Add("reject " + trimmed["* reject message with reason: ".Length..]);
            }
            else if (trimmed.StartsWith('*'))
            {
                Flush();
            }
        }
        Flush();
        lines.Sort(StringComparer.Ordinal);
        return lines.Distinct().ToList();
    }

    /// <summary>sieve-test -e says "sent vacation response to &lt;a&gt;" when it answers, and why not otherwise.</summary>
    private static IEnumerable<string> PigeonholeVacation(string output)
    {
        var sent = VacationSent().Match(output);
        return sent.Success ? ["vacation-sent " + sent.Groups[1].Value] : [];
    }

    [GeneratedRegex(@": line (\d+): error")]
    private static partial Regex CompileErrorLine();

    [GeneratedRegex(@"sent vacation response to <([^>]*)>")]
    private static partial Regex VacationSent();
}
