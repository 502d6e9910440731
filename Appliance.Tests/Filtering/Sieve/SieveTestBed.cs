using System.Globalization;
using Appliance.Filtering.Sieve;
using MimeKit;

namespace Appliance.Tests.Filtering.Sieve;

/// <summary>Runs scripts over messages of TestData/Sieve, and writes any result in the form the differential test compares.</summary>
public static class SieveTestBed
{
    public const string Recipient = "bob@example.com";

    public static string DataDirectory => Path.Combine(AppContext.BaseDirectory, "TestData", "Sieve");

    public static MimeMessage Message(string text) => MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"))));

    /// <summary>The context the corpus gives both interpreters: the envelope sender from X-Envelope-From, the spam score
    /// from X-Spam-Score (on Pigeonhole's scale of 0…10) and the virus state from X-Virus-Scan.</summary>
    public static SieveContext Context(MimeMessage message, long? size = null, IVacationTracker? tracker = null)
    {
        var from = message.Headers["X-Envelope-From"]?.Trim() ?? "sender@example.org";
        var spam = message.Headers["X-Spam-Score"] is { } score
            ? new SieveSpamStatus(double.Parse(score.Trim(), CultureInfo.InvariantCulture), 10)
            : SieveSpamStatus.NotTested;
        var virus = message.Headers["X-Virus-Scan"]?.Trim() switch
        {
            "clean" => SieveVirusStatus.Clean,
            "infected" => SieveVirusStatus.InfectedUncleaned,
            _ => SieveVirusStatus.NotTested,
        };
        return new SieveContext(message, new SieveEnvelope(from, Recipient))
        {
            Size = size,
            Spam = spam,
            Virus = virus,
            VacationTracker = tracker ?? new InMemoryVacationTracker(),
        };
    }

    public static async Task<SieveResult> RunAsync(string script, string message, SieveOptions? options = null, SieveContext? context = null)
    {
        var compiled = SieveScript.Compile(script, options);
        return await new SieveInterpreter(options ?? new SieveOptions()).RunAsync(compiled, context ?? Context(Message(message)));
    }

    /// <summary>One line per delivery action, sorted: "keep [flags]", "fileinto Box [flags]", "redirect a@b", "reject text",
    /// "vacation-sent a@b"; "error" and "keep" for a failed run; "compile-error line N" for a script that does not compile.
    /// Discard is the absence of a keep, so it has no line.</summary>
    public static List<string> Normalize(SieveResult result)
    {
        if (result.Failed)
        {
            return ["error", "keep"];
        }
        var lines = new List<string>();
        foreach (var action in result.Actions)
        {
            switch (action)
            {
                case SieveKeep keep:
                    lines.Add(Store("keep", keep.Flags));
                    break;
                case SieveFileInto file:
                    lines.Add(file.Mailbox == "INBOX" ? Store("keep", file.Flags) : Store("fileinto " + file.Mailbox, file.Flags));
                    break;
                case SieveRedirect redirect:
                    lines.Add("redirect " + redirect.Address);
                    break;
                case SieveReject reject:
                    lines.Add("reject " + reject.Reason);
                    break;
                case SieveVacationReply vacation:
                    lines.Add("vacation-sent " + vacation.Recipient);
                    break;
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return lines.Distinct().ToList();
    }

    /// <summary>Flags compared ignoring case: Pigeonhole writes system flags in lower case.</summary>
    public static string Store(string what, IEnumerable<string> flags)
    {
        var list = flags.Select(f => f.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? what : $"{what} [{string.Join(' ', list)}]";
    }
}
