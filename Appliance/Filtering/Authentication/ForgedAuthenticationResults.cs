using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Appliance.Filtering.Authentication;

/// <summary>What <see cref="ForgedAuthenticationResults.FilterAsync"/> did to one header block.</summary>
/// <param name="Removed">Authentication-Results fields that claimed our authserv-id and were dropped.</param>
/// <param name="HeaderBytes">Bytes of the header block read, the empty line included.</param>
/// <param name="EndOfHeaders">True when the empty line was found (the reader stands at the body); false when the input ended first.</param>
public sealed record ForgedHeaderRemoval(int Removed, long HeaderBytes, bool EndOfHeaders);

/// <summary>
/// RFC 8601 §5: an incoming message may carry Authentication-Results fields that claim to come from us, written by a
/// sender to make its mail look checked. Before we add ours, every field whose authserv-id is one of ours is removed.
/// It works on the raw header bytes as they arrive from a <see cref="PipeReader"/>: fields are copied to the output
/// one by one, the body is never read (the reader is left at its first byte), and no field is held longer than
/// <see cref="MaxDecisionBytes"/>, beyond which it is passed on or dropped as it streams. Field names are compared
/// without regard to case, and a folded field is one field. ARC-Authentication-Results is sealed and left alone.
/// </summary>
public sealed class ForgedAuthenticationResults
{
    /// <summary>
    /// The most of one field held to decide whether it is ours. 64 KiB: the name and the authserv-id come first, and a
    /// real field is a few hundred bytes; a longer one is decided on its start and then streamed.
    /// </summary>
    public const int MaxDecisionBytes = 64 * 1024;

    private static readonly byte[] FieldName = Encoding.ASCII.GetBytes(AuthenticationResultsBuilder.FieldName);

    private readonly string[] _authservIds;

    /// <param name="authservIds">Our authserv-ids: the host name the builder writes, and any other name of this server.</param>
    public ForgedAuthenticationResults(IEnumerable<string> authservIds)
    {
        ArgumentNullException.ThrowIfNull(authservIds);
        _authservIds = authservIds.Where(id => !string.IsNullOrWhiteSpace(id)).Select(id => id.Trim()).ToArray();
        if (_authservIds.Length == 0)
        {
            throw new ArgumentException("At least one authserv-id is needed.", nameof(authservIds));
        }
    }

    private enum Mode
    {
        /// <summary>At the start of a field (or of the empty line).</summary>
        FieldStart,
        /// <summary>Inside a field that was too long to hold, being copied to the output.</summary>
        Copy,
        /// <summary>Inside a field that was too long to hold, being dropped.</summary>
        Drop,
    }

    /// <summary>
    /// Reads the header block from <paramref name="reader"/> through its empty line and writes it to
    /// <paramref name="output"/> without our forged fields. The caller then writes its own Authentication-Results,
    /// this output, and the rest of the reader (the body) unchanged.
    /// </summary>
    public async ValueTask<ForgedHeaderRemoval> FilterAsync(PipeReader reader, IBufferWriter<byte> output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(output);
        var state = new State();
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            var consumed = buffer.Start;
            var done = false;
            try
            {
                done = Process(buffer, read.IsCompleted, output, state, out consumed);
            }
            finally
            {
                reader.AdvanceTo(consumed, done ? consumed : buffer.End);
            }
            if (done || read.IsCompleted)
            {
                return new ForgedHeaderRemoval(state.Removed, state.Bytes, state.EndOfHeaders);
            }
        }
    }

    /// <summary>The whole-buffer form, for a header block already in memory: the kept header block, and the body offset.</summary>
    public byte[] Filter(ReadOnlySpan<byte> message, out ForgedHeaderRemoval removal)
    {
        var output = new ArrayBufferWriter<byte>();
        var state = new State();
        Process(new ReadOnlySequence<byte>(message.ToArray()), final: true, output, state, out _);
        removal = new ForgedHeaderRemoval(state.Removed, state.Bytes, state.EndOfHeaders);
        return output.WrittenSpan.ToArray();
    }

    private sealed class State
    {
        public Mode Mode;
        public bool PreviousWasLineFeed;
        public int Removed;
        public long Bytes;
        public bool EndOfHeaders;
    }

    /// <summary>Handles what can be decided in <paramref name="buffer"/>; true when the header block has ended.</summary>
    private bool Process(ReadOnlySequence<byte> buffer, bool final, IBufferWriter<byte> output, State state, out SequencePosition consumed)
    {
        var rest = buffer;
        while (true)
        {
            consumed = rest.Start;
            if (state.Mode != Mode.FieldStart)
            {
                if (!Stream(ref rest, output, state))
                {
                    consumed = rest.Start;
                    return final;
                }
                continue;
            }
            if (rest.IsEmpty)
            {
                return final;
            }
            // The empty line that ends the header block: CRLF, or a bare LF from a sloppy client.
            var first = rest.FirstSpan[0];
            if (first == '\n' || first == '\r')
            {
                if (first == '\r' && rest.Length < 2 && !final)
                {
                    return false;
                }
                var length = first == '\n' ? 1 : rest.Length >= 2 && rest.Slice(1, 1).FirstSpan[0] == '\n' ? 2 : 0;
                if (length > 0)
                {
                    Write(output, rest.Slice(0, length));
                    state.Bytes += length;
                    state.EndOfHeaders = true;
                    consumed = rest.GetPosition(length);
                    return true;
                }
            }
            var end = FieldEnd(rest, final);
            if (end is { } fieldEnd)
            {
                var field = rest.Slice(0, fieldEnd);
                if (field.Length > MaxDecisionBytes)
                {
                    // The whole field arrived at once but is too long to hold: decide on its start, stream the rest.
                    state.Mode = IsOurs(rest.Slice(0, MaxDecisionBytes).ToArray()) ? Mode.Drop : Mode.Copy;
                    state.PreviousWasLineFeed = false;
                    if (state.Mode == Mode.Drop)
                    {
                        state.Removed++;
                    }
                    continue;
                }
                Decide(field, output, state);
                rest = rest.Slice(fieldEnd);
                continue;
            }
            if (final)
            {
                // The input ended inside a field with no empty line after it: that field is the last.
                Decide(rest, output, state);
                consumed = rest.End;
                return true;
            }
            if (rest.Length > MaxDecisionBytes)
            {
                state.Mode = IsOurs(rest.Slice(0, MaxDecisionBytes).ToArray()) ? Mode.Drop : Mode.Copy;
                state.PreviousWasLineFeed = false;
                if (state.Mode == Mode.Drop)
                {
                    state.Removed++;
                }
                continue;
            }
            return false;
        }
    }

    private void Decide(ReadOnlySequence<byte> field, IBufferWriter<byte> output, State state)
    {
        state.Bytes += field.Length;
        if (IsOurs(field.ToArray()))
        {
            state.Removed++;
        }
        else
        {
            Write(output, field);
        }
    }

    /// <summary>
    /// Copies or drops the bytes of a long field until it ends (a line feed followed by anything but a space or tab).
    /// False when the buffer ran out first; <paramref name="rest"/> is then empty.
    /// </summary>
    private static bool Stream(ref ReadOnlySequence<byte> rest, IBufferWriter<byte> output, State state)
    {
        long taken = 0;
        var ended = false;
        foreach (var segment in rest)
        {
            var span = segment.Span;
            var i = 0;
            for (; i < span.Length; i++)
            {
                if (state.PreviousWasLineFeed && span[i] is not ((byte)' ' or (byte)'\t'))
                {
                    ended = true;
                    break;
                }
                state.PreviousWasLineFeed = span[i] == '\n';
            }
            taken += i;
            if (ended)
            {
                break;
            }
        }
        var part = rest.Slice(0, taken);
        if (state.Mode == Mode.Copy)
        {
            Write(output, part);
        }
        state.Bytes += taken;
        rest = rest.Slice(taken);
        if (ended)
        {
            state.Mode = Mode.FieldStart;
            state.PreviousWasLineFeed = false;
        }
        return ended;
    }

    /// <summary>Where the field at the start of <paramref name="buffer"/> ends (after its last line feed), or null when that is not yet known.</summary>
    private static SequencePosition? FieldEnd(ReadOnlySequence<byte> buffer, bool final)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryAdvanceTo((byte)'\n'))
        {
            if (!reader.TryPeek(out var next))
            {
                return final ? reader.Position : null;
            }
            // RFC 5322 §2.2.3: a line that starts with white space continues the field.
            if (next is not ((byte)' ' or (byte)'\t'))
            {
                return reader.Position;
            }
        }
        return null;
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            output.Write(segment.Span);
        }
    }

    /// <summary>
    /// Whether a field (its raw bytes, folded or not) is an Authentication-Results field whose authserv-id is ours.
    /// authres-header-field = "Authentication-Results:" authres-payload; authres-payload = [CFWS] authserv-id ...
    /// (RFC 8601 §2.2); authserv-id = value (a token or a quoted-string), compared without regard to case.
    /// </summary>
    public bool IsOurs(ReadOnlySpan<byte> field)
    {
        var colon = field.IndexOf((byte)':');
        if (colon < 0)
        {
            return false;
        }
        // RFC 5322 §4.5 obs-optional: white space may stand between the name and the colon.
        var name = field[..colon].TrimEnd(" \t"u8);
        if (!Ascii.EqualsIgnoreCase(name, FieldName))
        {
            return false;
        }
        var value = field[(colon + 1)..];
        var i = SkipCfws(value, 0);
        if (i >= value.Length)
        {
            return false;
        }
        string id;
        if (value[i] == '"')
        {
            var text = new StringBuilder();
            for (i++; i < value.Length && value[i] != '"'; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length)
                {
                    i++;
                }
                if (value[i] is not ((byte)'\r' or (byte)'\n'))
                {
                    text.Append((char)value[i]);
                }
            }
            id = text.ToString();
        }
        else
        {
            var start = i;
            while (i < value.Length && value[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)';' or (byte)'('))
            {
                i++;
            }
            id = Encoding.Latin1.GetString(value[start..i]);
        }
        return _authservIds.Any(ours => string.Equals(ours, id, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Skips white space, line breaks of folding and comments (nested, with quoted-pairs; RFC 5322 §3.2.2).</summary>
    private static int SkipCfws(ReadOnlySpan<byte> value, int i)
    {
        var depth = 0;
        for (; i < value.Length; i++)
        {
            var c = value[i];
            if (depth > 0)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '(')
                {
                    depth++;
                }
                else if (c == ')')
                {
                    depth--;
                }
                continue;
            }
            if (c == '(')
            {
                depth++;
            }
            else if (c is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return i;
            }
        }
        return i;
    }
}
