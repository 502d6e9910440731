using System.Buffers;
using System.Globalization;
using System.Text;
using Appliance.Filtering.Authentication;
using Appliance.Filtering.Bayes;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Dmarc;
using Appliance.Filtering.Junk;
using Appliance.Filtering.Scanning;
using Appliance.Filtering.Spf;
using Appliance.Mailstore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering;

/// <summary>
/// The checks a message meets at the end of DATA, before the SMTP session answers: the virus scan, the sender's
/// authentication (SPF, DKIM, ARC, DMARC) and the spam score, each adding named symbols to one <see cref="Verdict"/>,
/// which decides what becomes of the message (<see cref="Disposition"/>). A check that cannot be made — a scanner
/// down, DNS timing out — is a temporary failure (451), never a pass. Everything is decided before the 250, so a
/// refusal reaches the sender and nothing accepted is dropped.
/// </summary>
public sealed partial class MessageInspector(
    IOptions<FilteringOptions> options,
    ScannerSettingsStore scannerSettings,
    SpfEvaluator spf,
    DkimVerification dkim,
    ArcVerification arc,
    DmarcEvaluator dmarc,
    BayesClassifier bayes,
    JunkSettingsStore junk,
    ILogger<MessageInspector> logger)
{
    private readonly FilteringOptions _options = options.Value;

    /// <param name="open">Opens the message as received, from its start, seekable; called once per check that reads it.</param>
    /// <param name="verdict">What the session's earlier checks found (UCE at connect, HELO, MAIL, RCPT and the rules); null for none.</param>
    /// <param name="hold">A rule asked that the message be quarantined whatever its score.</param>
    public async Task<Inspection> InspectAsync(InspectionContext context, Func<Stream> open, CancellationToken cancellationToken = default, Verdict? verdict = null, bool hold = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(open);
        verdict ??= new Verdict();
        var headers = new StringBuilder();
        // The console's settings (or the configuration until it saves), one version for the whole message.
        var scanners = await scannerSettings.GetAsync(cancellationToken).ConfigureAwait(false);
        var scannerDown = scanners.Settings.ScannerDown;

        // Viruses first: a virus is held whatever its score, and an outbound one is refused to its sender.
        if (scanners.Settings.ClamAv.Enabled)
        {
            VirusScanResult scan;
            using (var message = open())
            {
                scan = await scanners.Clamd.ScanAsync(message, cancellationToken).ConfigureAwait(false);
            }
            if (scan.IsInfected)
            {
                verdict.Add("VIRUS", 100, $"ClamAV found {scan.VirusName}", "clamav");
                LogVirus(logger, scan.VirusName, context.Sender);
                if (!context.Inbound)
                {
                    return new Inspection(verdict, Disposition.Reject, "")
                    {
                        Code = 550, EnhancedCode = "5.7.1", Text = $"Message refused: virus found: {Clean(scan.VirusName)}",
                        Virus = scan.VirusName, Reason = $"virus {scan.VirusName}",
                    };
                }
                headers.Append("X-Virus-Status: Infected (").Append(Clean(scan.VirusName)).Append(")\r\n");
                return new Inspection(verdict, Disposition.Quarantine, headers.ToString()) { Virus = scan.VirusName, Reason = $"virus {scan.VirusName}" };
            }
            if (scan.IsFailed)
            {
                if (scan.Failure.IsTemporary && scannerDown == ScannerDownAction.TempFail)
                {
                    LogScannerDown(logger, "clamd", scan.Failure.Detail);
                    return TempFail(verdict, "4.7.1", "Virus scanner unavailable; try again later", $"clamd: {scan.Failure.Detail}");
                }
                verdict.Add("VIRUS_UNSCANNED", 0, $"Not scanned for viruses: {scan.Failure.Detail}", "clamav");
                headers.Append("X-Virus-Status: Unscanned\r\n");
            }
            else
            {
                headers.Append("X-Virus-Status: Clean\r\n");
            }
        }

        if (!context.Inbound)
        {
            // A user's own mail is authenticated by its login and signed on its way out; its spam score is not ours to judge here.
            return new Inspection(verdict, Disposition.Deliver, "");
        }

        var results = new AuthenticationResultsBuilder(context.Receiver);
        SpfResult? spfResult = null;
        if (context.Client is { } client)
        {
            spfResult = await spf.CheckMailFromAsync(client, context.Sender, context.Helo, cancellationToken).ConfigureAwait(false);
            results.AddSpf(spfResult);
            AddSpf(verdict, spfResult);
            if (spfResult.Verdict == SpfVerdict.TempError)
            {
                return TempFail(verdict, "4.4.3", "SPF check failed temporarily (DNS); try again later", spfResult.Reason);
            }
        }

        // DKIM hashes the whole message; past MaxVerifyBytes only the head is read, which DMARC needs for From.
        var length = Length(open);
        var verify = length <= _options.MaxVerifyBytes;
        var read = (int)(verify ? length : Math.Min(length, HeadBytes));
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(read, 1));
        byte[]? rewritten = null;
        DmarcResult dmarcResult;
        try
        {
            using (var message = open())
            {
                await message.ReadExactlyAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            var bytes = buffer.AsMemory(0, read);
            DkimVerificationResult? dkimResult = null;
            // A bomb (a huge header, tens of thousands of parts or parameters) is not handed to the signature parsers,
            // which build it whole: it would hold the session for minutes or take hundreds of MB. Its signatures are
            // not checked, and it says so.
            switch (verify ? MimeKitBudget.Check(bytes.Span) : MimeKitRefusal.None)
            {
                case MimeKitRefusal.HeaderTooLarge:
                    verify = false;
                    verdict.Add("HEADER_TOO_LARGE", 1.0, "Its header is larger than any real message's; its signatures were not checked", "auth");
                    break;
                case MimeKitRefusal.TooManyParts:
                    verify = false;
                    verdict.Add("TOO_MANY_PARTS", 1.0, "It has more parts than any real message; its signatures were not checked", "auth");
                    break;
            }
            if (verify)
            {
                // Parsed once for both verifiers (each used to parse it on its own): neither changes the message.
                MimeKit.MimeMessage? parsed;
                string? unparsable = null;
                try
                {
                    parsed = DkimSigning.Parse(bytes);
                }
                catch (FormatException e)
                {
                    parsed = null;
                    unparsable = e.Message;
                }
                dkimResult = parsed is null ? dkim.Unparsable(unparsable!) : await dkim.VerifyAsync(parsed, cancellationToken).ConfigureAwait(false);
                results.AddDkim(dkimResult);
                AddDkim(verdict, dkimResult);
                var arcResult = parsed is null ? ArcVerification.Unparsable : await arc.VerifyAsync(parsed, cancellationToken).ConfigureAwait(false);
                results.AddArc(arcResult);
                if (dkimResult.HasTemporaryError && !dkimResult.PassingDomains.Any())
                {
                    return TempFail(verdict, "4.7.5", "DKIM key lookup failed temporarily (DNS); try again later", "dkim temperror");
                }
                // RFC 8601 §5: a field claiming to be ours that arrived with the message is a forgery; it goes.
                var cleaned = new ForgedAuthenticationResults([context.Receiver]).Filter(bytes.Span, out var removal);
                if (removal.Removed > 0)
                {
                    rewritten = cleaned;
                    verdict.Add("FORGED_AUTH_RESULTS", 1.0, $"It carried {removal.Removed} Authentication-Results field(s) forged in this server's name, removed", "auth");
                }
            }
            else
            {
                results.Add("dkim=neutral (too large to verify)");
            }
            dmarcResult = await dmarc.EvaluateAsync(bytes, spfResult, dkimResult, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        results.AddDmarc(dmarcResult);
        DmarcSymbols.AddTo(verdict, dmarcResult);
        headers.Insert(0, results.Build());
        if (dmarcResult.Status == DmarcStatus.TempError)
        {
            return TempFail(verdict, "4.7.5", "DMARC policy lookup failed temporarily (DNS); try again later", dmarcResult.Reason);
        }
        if (dmarcResult.Disposition == DmarcDisposition.Reject)
        {
            return new Inspection(verdict, Disposition.Reject, "")
            {
                Code = DmarcResult.RejectCode, EnhancedCode = DmarcResult.RejectEnhancedCode, Text = dmarcResult.RejectReply, Reason = $"dmarc {dmarcResult.Reason}",
            };
        }

        if (context.BayesUser is { } user)
        {
            // The user's own classifier, trained by what they moved into and out of Junk; untrained, it adds nothing.
            using var message = open();
            await bayes.ClassifyAsync(user, message, verdict, cancellationToken).ConfigureAwait(false);
        }

        if (scanners.Settings.SpamAssassin.Enabled)
        {
            SpamCheckResult check;
            using (var message = open())
            {
                check = await scanners.Spamd.CheckAsync(message, null, cancellationToken).ConfigureAwait(false);
            }
            if (check.IsScored)
            {
                AddSpamd(verdict, check.Verdict);
            }
            else if (check.Failure.IsTemporary && scannerDown == ScannerDownAction.TempFail)
            {
                LogScannerDown(logger, "spamd", check.Failure.Detail);
                return TempFail(verdict, "4.7.1", "Spam filter unavailable; try again later", $"spamd: {check.Failure.Detail}");
            }
            else
            {
                verdict.Add("SPAM_UNSCANNED", 0, $"Not checked by SpamAssassin: {check.Failure.Detail}", "spamd");
            }
        }

        if (scanners.Settings.Rspamd.Enabled)
        {
            SpamCheckResult check;
            using (var message = open())
            {
                var envelope = new RspamdEnvelope(context.Sender, context.Recipients, context.Client, context.Helo, context.User);
                check = await scanners.Rspamd.CheckAsync(message, envelope, cancellationToken).ConfigureAwait(false);
            }
            if (check.IsScored)
            {
                AddRspamd(verdict, check.Verdict);
            }
            else if (check.Failure.IsTemporary && scannerDown == ScannerDownAction.TempFail)
            {
                LogScannerDown(logger, "rspamd", check.Failure.Detail);
                return TempFail(verdict, "4.7.1", "Spam filter unavailable; try again later", $"rspamd: {check.Failure.Detail}");
            }
            else
            {
                verdict.Add("RSPAMD_UNSCANNED", 0, $"Not checked by rspamd: {check.Failure.Detail}", "rspamd");
            }
        }

        var decided = Decide(verdict, headers, dmarcResult.Disposition == DmarcDisposition.Quarantine, await RefusedAsync(context, verdict.Score, cancellationToken).ConfigureAwait(false));
        if (hold && decided.Disposition is not Disposition.Reject)
        {
            decided = decided with { Disposition = Disposition.Quarantine, Reason = "held by a rule", Floor = Disposition.Quarantine };
        }
        return rewritten is null ? decided : decided with { Rewritten = rewritten };
    }

    /// <summary>What DMARC reads of a message too large to verify: its head, where the From field is.</summary>
    private const int HeadBytes = 256 * 1024;

    /// <param name="dmarcQuarantine">The author's domain asks that failing mail be quarantined: it goes to Junk at least.</param>
    /// <param name="refuse">Every recipient's domain refuses this score (<see cref="JunkThresholds.Refuses"/>).</param>
    private Inspection Decide(Verdict verdict, StringBuilder headers, bool dmarcQuarantine, bool refuse)
    {
        var score = verdict.Score;
        var floor = dmarcQuarantine ? Disposition.Junk : Disposition.Deliver;
        var isSpam = score >= _options.JunkScore;
        headers.Append(SpamFields(verdict, _options.JunkScore, isSpam, flag: false));
        var reason = string.Create(CultureInfo.InvariantCulture, $"spam score {score:0.0#}");
        if (refuse)
        {
            return new Inspection(verdict, Disposition.Reject, headers.ToString())
            {
                Code = 550, EnhancedCode = "5.7.1", Reason = reason,
                Text = string.Create(CultureInfo.InvariantCulture, $"Message refused as spam (score {score:0.0#})"),
            };
        }
        if (!isSpam)
        {
            return new Inspection(verdict, dmarcQuarantine ? Disposition.Junk : Disposition.Deliver, headers.ToString())
            {
                Reason = dmarcQuarantine ? "dmarc quarantine" : "", Floor = floor,
            };
        }
        headers.Append("X-Spam-Flag: YES\r\n");
        var disposition = _options.SpamAction switch
        {
            SpamAction.Quarantine => Disposition.Quarantine,
            SpamAction.Junk => Disposition.Junk,
            _ => dmarcQuarantine ? Disposition.Junk : Disposition.Deliver,
        };
        return new Inspection(verdict, disposition, headers.ToString()) { Reason = reason, Floor = floor };
    }

    /// <summary>
    /// The door refuses (before the 250) only what every recipient's domain refuses: the others' copies are then filed
    /// by their own settings at delivery. A domain without settings of its own refuses as <c>Appliance:Filtering</c> says.
    /// </summary>
    private async Task<bool> RefusedAsync(InspectionContext context, double score, CancellationToken cancellationToken)
    {
        var domains = context.Recipients.Select(r => r[(r.LastIndexOf('@') + 1)..].ToLowerInvariant()).Distinct().ToList();
        if (domains.Count == 0) return JunkThresholds.Of(_options, null).Refuses(score);
        foreach (var domain in domains)
        {
            if (!JunkThresholds.Of(_options, await junk.GetDomainAsync(domain, cancellationToken).ConfigureAwait(false)).Refuses(score)) return false;
        }
        return true;
    }

    /// <summary>
    /// The X-Spam-* fields in SpamAssassin's form, the one owner of it: the door writes them for the message, delivery
    /// again for a recipient whose own settings judged it otherwise (<see cref="Junk.JunkPolicy"/>).
    /// </summary>
    internal static string SpamFields(Verdict verdict, double required, bool isSpam, bool flag)
    {
        var score = verdict.Score;
        var tests = verdict.Symbols.Count == 0 ? "none" : verdict.ToString();
        return string.Create(CultureInfo.InvariantCulture, $"X-Spam-Status: {(isSpam ? "Yes" : "No")}, score={score:0.0#} required={required:0.0#}\r\n\ttests={Fold(tests)}\r\n")
            + string.Create(CultureInfo.InvariantCulture, $"X-Spam-Score: {score:0.0#}\r\n")
            + (flag && isSpam ? "X-Spam-Flag: YES\r\n" : "");
    }

    private static Inspection TempFail(Verdict verdict, string enhancedCode, string text, string reason) =>
        new(verdict, Disposition.TempFail, "") { Code = 451, EnhancedCode = enhancedCode, Text = text, Reason = reason };

    private static void AddSpf(Verdict verdict, SpfResult result)
    {
        var (points, reason) = result.Verdict switch
        {
            SpfVerdict.Pass => (-0.1, "The sender's domain allows this server to send for it (SPF)"),
            SpfVerdict.Fail => (1.0, "The sender's domain says this server may not send for it (SPF fail)"),
            SpfVerdict.SoftFail => (0.7, "The sender's domain doubts this server may send for it (SPF softfail)"),
            SpfVerdict.PermError => (0.5, "The sender's domain has a broken SPF record"),
            SpfVerdict.Neutral => (0.0, "The sender's domain makes no claim about this server (SPF neutral)"),
            SpfVerdict.TempError => (0.0, "The sender's SPF record could not be looked up"),
            _ => (0.0, "The sender's domain publishes no SPF record"),
        };
        verdict.Add("SPF_" + result.Verdict.ToString().ToUpperInvariant(), points, reason, "spf");
    }

    private static void AddDkim(Verdict verdict, DkimVerificationResult result)
    {
        if (result.Signatures.Count == 0)
        {
            verdict.Add("DKIM_NONE", 0, "The message is not signed (DKIM)", "dkim");
        }
        else if (result.PassingDomains.FirstOrDefault() is { } domain)
        {
            verdict.Add("DKIM_PASS", -0.1, $"Signed by {domain}, and the signature holds (DKIM)", "dkim");
        }
        else
        {
            verdict.Add("DKIM_FAIL", 0.5, "Its signature does not hold: changed on the way, or forged (DKIM)", "dkim");
        }
    }

    private static void AddSpamd(Verdict verdict, SpamVerdict result)
    {
        // With REPORT each rule has its points and words; else one symbol carries spamd's whole score.
        if (result.Symbols.Count > 0 && result.Symbols.All(s => s.Points is not null))
        {
            foreach (var symbol in result.Symbols)
            {
                verdict.Add("SA_" + symbol.Name, symbol.Points!.Value, symbol.Description ?? $"SpamAssassin rule {symbol.Name}", "spamd");
            }
        }
        else
        {
            var names = result.Symbols.Count == 0 ? "no rules" : string.Join(", ", result.Symbols.Select(s => s.Name));
            verdict.Add("SPAMASSASSIN", result.Score, $"SpamAssassin's score ({names})", "spamd");
        }
    }

    /// <summary>
    /// Each rspamd symbol with its points and description. A pre-result (GTUBE, a rule that forces an action) sets
    /// rspamd's score without symbols that add up to it: the difference is one more symbol that names the action, so
    /// that the verdict's score is rspamd's and the reason says where it came from.
    /// </summary>
    private static void AddRspamd(Verdict verdict, SpamVerdict result)
    {
        var sum = 0.0;
        foreach (var symbol in result.Symbols)
        {
            var points = symbol.Points ?? 0;
            sum += points;
            // rspamd lists its own failed DNS lookups (ASN_FAIL, RBL_*_FAIL) with 0 points; they explain nothing to a user.
            if (points == 0 && symbol.Description is null) continue;
            verdict.Add("RS_" + symbol.Name, points, symbol.Description ?? $"rspamd rule {symbol.Name}", "rspamd");
        }
        var rest = Math.Round(result.Score - sum, 2);
        if (rest != 0)
        {
            var why = result.Message is { Length: > 0 } message ? $": {Clean(message)}" : "";
            verdict.Add("RS_ACTION", rest, string.Create(CultureInfo.InvariantCulture, $"rspamd decided '{result.Action}' (score {result.Score:0.0#} of {result.Threshold:0.0#}){why}"), "rspamd");
        }
    }

    private static long Length(Func<Stream> open)
    {
        using var message = open();
        return message.Length;
    }

    /// <summary>Long lists of tests are folded at commas, so that no header line passes RFC 5322's 78 characters by far.</summary>
    private static string Fold(string tests)
    {
        var text = new StringBuilder();
        var line = 0;
        foreach (var part in tests.Split(','))
        {
            if (text.Length > 0)
            {
                text.Append(',');
                line++;
                if (line + part.Length > 60)
                {
                    text.Append("\r\n\t");
                    line = 0;
                }
            }
            text.Append(part);
            line += part.Length;
        }
        return text.ToString();
    }

    /// <summary>A scanner's words go into a header and a reply line: printable ASCII only.</summary>
    private static string Clean(string text) =>
        new(text.Where(c => c is >= ' ' and <= '~' and not '(' and not ')').Take(200).ToArray());

    [LoggerMessage(EventId = 9401, Level = LogLevel.Warning, Message = "Virus {Virus} in a message from <{Sender}>")]
    private static partial void LogVirus(ILogger logger, string virus, string sender);

    [LoggerMessage(EventId = 9402, Level = LogLevel.Warning, Message = "{Scanner} gave no verdict, answering 451: {Detail}")]
    private static partial void LogScannerDown(ILogger logger, string scanner, string detail);
}
