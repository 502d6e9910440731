using System.Globalization;
using System.Text.Json;

namespace Appliance.Filtering.Scanning;

/// <summary>
/// The JSON rspamd answers to <c>POST /checkv2</c> (rspamd's protocol documentation, "Rspamd HTTP reply"):
/// <code>
/// { "score": 3.5, "required_score": 15.0, "action": "no action", "is_skipped": false,
///   "symbols": { "ONCE_RECEIVED": { "name": "ONCE_RECEIVED", "score": 0.1, "description": "One received header in a message", "options": [..] }, .. },
///   "messages": { "smtp_message": "..." } }
/// </code>
/// A pre-result (GTUBE, a settings rule) sets the action and the score without symbols that add up to it.
/// </summary>
public static class RspamdReply
{
    /// <summary>The actions rspamd counts as spam; <c>greylist</c> and <c>soft reject</c> are its own delays, not a verdict.</summary>
    private static readonly string[] SpamActions = ["add header", "rewrite subject", "reject"];

    /// <returns>The verdict, or null with <paramref name="error"/> saying what is not rspamd's reply.</returns>
    public static SpamVerdict? Parse(ReadOnlySpan<byte> json, out string? error)
    {
        error = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "rspamd's reply is not a JSON object";
                return null;
            }
            if (root.TryGetProperty("error", out var failed) && failed.ValueKind == JsonValueKind.String)
            {
                error = "rspamd answered: " + failed.GetString();
                return null;
            }
            if (!root.TryGetProperty("score", out var score) || score.ValueKind != JsonValueKind.Number
                || !root.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
            {
                error = "rspamd's reply has no score or action";
                return null;
            }
            var required = root.TryGetProperty("required_score", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : double.NaN;
            var symbols = new List<SpamSymbol>();
            if (root.TryGetProperty("symbols", out var list) && list.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in list.EnumerateObject())
                {
                    var symbol = property.Value;
                    if (symbol.ValueKind != JsonValueKind.Object) continue;
                    double? points = symbol.TryGetProperty("score", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDouble() : null;
                    var description = symbol.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                    symbols.Add(new SpamSymbol(property.Name, points, description));
                }
            }
            string? message = null;
            if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Object
                && messages.TryGetProperty("smtp_message", out var smtp) && smtp.ValueKind == JsonValueKind.String)
            {
                message = smtp.GetString();
            }
            var name = action.GetString()!;
            return new SpamVerdict(SpamActions.Contains(name, StringComparer.Ordinal), score.GetDouble(), required, symbols)
            {
                Action = name,
                Message = message,
            };
        }
        catch (JsonException e)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"rspamd's reply is not JSON: {e.Message}");
            return null;
        }
    }
}
