using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

/// <summary>
/// Every corpus message is read by Debian's Python (stdlib email, policy=default) through TestData/Mime/mime_dump.py,
/// and the structure, decoded Subject/From/To, decoded text parts and file names must agree with ours.
/// </summary>
public class PythonCrossCheckTests
{
    // Debian's interpreter: another python3 earlier on PATH (pyenv) may be a different version.
    private const string Python = "/usr/bin/python3";

    public static TheoryData<string> Corpus => MimeCorpus.All;

    [Fact]
    public void The_corpus_has_at_least_fifteen_messages() => Assert.True(MimeCorpus.Names.Count() >= 15);

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Library_agrees_with_python_email(string name)
    {
        var expected = JsonNode.Parse(await RunPythonAsync(Path.Combine(MimeCorpus.Directory, name)))!;
        var message = MimeMessage.Parse(MimeCorpus.Read(name));
        var leaves = Leaves(message.Root).ToList();

        Assert.Equal(expected["structure"]!.ToJsonString(), Structure(message.Root).ToJsonString());
        Assert.Equal((string?)expected["subject"], message.Subject);
        Assert.Equal(Pairs(expected["from"]!), message.From.Select(a => (a.DisplayName ?? "", a.AddrSpec)).ToList());
        Assert.Equal(Pairs(expected["to"]!), message.To.Select(a => (a.DisplayName ?? "", a.AddrSpec)).ToList());
        Assert.Equal(
            expected["texts"]!.AsArray().Select(t => (string)t!).ToList(),
            leaves.Where(e => e.ContentType.IsText).Select(e => e.GetText().Replace("\r\n", "\n", StringComparison.Ordinal)).ToList());
        Assert.Equal(
            expected["filenames"]!.AsArray().Select(t => (string)t!).ToList(),
            leaves.Select(e => e.FileName).OfType<string>().ToList());
    }

    private static List<(string, string)> Pairs(JsonNode node) =>
        node.AsArray().Select(p => ((string)p![0]!, (string)p[1]!)).ToList();

    /// <summary>The same shape mime_dump.py prints: a message/rfc822 part has its message as its one part.</summary>
    private static JsonObject Structure(MimeEntity entity)
    {
        var node = new JsonObject { ["type"] = entity.ContentType.MimeType };
        var parts = Children(entity);
        if (parts is not null)
        {
            node["parts"] = new JsonArray(parts.Select(p => (JsonNode)Structure(p)).ToArray());
        }
        return node;
    }

    private static IEnumerable<MimeEntity> Leaves(MimeEntity entity) =>
        Children(entity) is { } parts ? parts.SelectMany(Leaves) : [entity];

    private static IReadOnlyList<MimeEntity>? Children(MimeEntity entity) =>
        entity.Message is { } m ? [m.Root] : entity.Children.Count > 0 ? entity.Children : null;

    private static async Task<string> RunPythonAsync(string path)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(MimeCorpus.Directory, "mime_dump.py"));
        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        return await output;
    }
}
