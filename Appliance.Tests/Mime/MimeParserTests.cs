using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class MimeParserTests
{
    public static TheoryData<string> Corpus => MimeCorpus.All;

    private static MimeMessage Parse(string text, MimeParserOptions? options = null) => MimeMessage.Parse(Encoding.UTF8.GetBytes(text), options);

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Unmodified_message_writes_back_byte_for_byte(string name)
    {
        var bytes = MimeCorpus.Read(name);
        var message = MimeMessage.Parse(bytes);
        Assert.Equal(bytes, message.ToArray());
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        Assert.Equal(bytes, stream.ToArray());
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Every_prefix_parses_without_throwing_and_round_trips(string name)
    {
        var bytes = MimeCorpus.Read(name);
        for (var length = 0; length <= bytes.Length; length++)
        {
            var prefix = bytes.AsMemory(0, length);
            var message = MimeMessage.Parse(prefix);
            Assert.True(prefix.Span.SequenceEqual(message.ToArray()), $"prefix of {length} bytes");
            foreach (var entity in message.Entities)
            {
                _ = entity.GetText();
                _ = entity.FileName;
            }
            _ = message.Subject;
            _ = message.From;
            _ = message.GetEnvelope().ToImapString();
            _ = message.GetBodyStructure().ToImapString();
            Assert.True(message.TryGetSection("1.2.MIME", out _));
            Assert.True(message.TryGetSection("HEADER.FIELDS (From Subject)", out _));
        }
    }

    [Fact]
    public void Random_garbage_parses_and_round_trips()
    {
        var random = new Random(3501);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            // Sprinkle structure so that the garbage reaches the multipart code.
            var prefix = "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"u8.ToArray();
            var input = i % 2 == 0 ? bytes : [.. prefix, .. bytes, .. "\r\n--x\n\r\n--x--"u8.ToArray()];
            var message = MimeMessage.Parse(input);
            Assert.Equal(input, message.ToArray());
            _ = message.GetBodyStructure().ToImapString();
        }
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Mutated_messages_parse_without_throwing_and_round_trip(string name)
    {
        var original = MimeCorpus.Read(name);
        var random = new Random(name.Length);
        byte[] noise = [(byte)'\r', (byte)'\n', (byte)'-', (byte)'=', (byte)'"', (byte)';', (byte)'(', (byte)'?', 0, 0xC3, 0xFF];
        for (var round = 0; round < 100; round++)
        {
            var bytes = original.ToList();
            for (var k = random.Next(1, 8); k > 0 && bytes.Count > 0; k--)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0:
                        bytes[at] = noise[random.Next(noise.Length)];
                        break;
                    case 1:
                        bytes.Insert(at, noise[random.Next(noise.Length)]);
                        break;
                    default:
                        bytes.RemoveRange(at, Math.Min(random.Next(1, 40), bytes.Count - at));
                        break;
                }
            }
            var input = bytes.ToArray();
            var message = MimeMessage.Parse(input);
            Assert.Equal(input, message.ToArray());
            foreach (var entity in message.Entities)
            {
                _ = entity.GetText();
                _ = entity.FileName;
                _ = entity.ContentDescription;
            }
            _ = message.Subject;
            _ = message.To;
            _ = message.Date;
            _ = message.GetBodyStructure().ToImapString();
            Assert.True(message.TryGetSection("2.1.HEADER.FIELDS.NOT (To)", out _));
        }
    }

    [Fact]
    public void Header_and_body_ranges_are_recorded()
    {
        var message = Parse("Subject: Hi\r\nTo: a@b.c\r\n\r\nBody\r\n");
        var root = message.Root;
        Assert.Equal(0, root.Start);
        Assert.Equal(24, root.HeaderEnd);
        Assert.Equal(26, root.BodyStart);
        Assert.Equal("Subject: Hi\r\nTo: a@b.c\r\n\r\n", Text(root.RawHeader));
        Assert.Equal("Body\r\n", Text(root.RawBody));
        Assert.Equal(["Subject", "To"], root.Headers.Select(h => h.Name));
    }

    [Fact]
    public void Folded_field_is_one_field_and_unfolds()
    {
        var message = Parse("Subject: a long\r\n\tsubject\r\n  here\r\n\r\n");
        var field = Assert.Single(message.Headers);
        Assert.Equal("a long\tsubject  here", field.Value);
        Assert.Equal("Subject: a long\r\n\tsubject\r\n  here\r\n", Text(field.Raw));
    }

    [Fact]
    public void Part_excludes_the_line_break_before_the_delimiter()
    {
        var message = Parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\n--b--\r\n");
        Assert.Equal(2, message.Root.Children.Count);
        Assert.Equal("one", Text(message.Root.Children[0].RawBody));
        Assert.Equal("", Text(message.Root.Children[1].RawBody));
    }

    [Fact]
    public void Bare_lf_message_is_parsed_with_lf_line_ends()
    {
        var message = MimeMessage.Parse(MimeCorpus.Read("bare-lf.eml"));
        Assert.Equal(2, message.Root.Children.Count);
        Assert.Equal("Line one continued.\nLine two.", message.Root.Children[0].GetText());
        Assert.Equal("text/html", message.Root.Children[1].ContentType.MimeType);
    }

    [Fact]
    public void Missing_separator_starts_the_body_at_the_first_non_field_line()
    {
        var message = Parse("Subject: x\r\nnot a field\r\n");
        Assert.Equal(message.Root.HeaderEnd, message.Root.BodyStart);
        Assert.Equal("not a field\r\n", message.Root.GetText());
    }

    [Fact]
    public void Input_without_any_field_is_all_body()
    {
        var message = Parse("\u0001garbage: no, this has a space before\r\n");
        Assert.Empty(message.Headers);
        Assert.Equal(0, message.Root.BodyStart);
    }

    [Fact]
    public void Mbox_from_line_and_leading_continuation_are_kept_but_nameless()
    {
        const string text = "From anna@example.com Tue Jul  1 10:52:37 2025\r\n  stray\r\nSubject: s\r\n\r\nb";
        var message = Parse(text);
        Assert.Equal(["", "Subject"], message.Headers.Select(h => h.Name));
        Assert.Equal("s", message.Subject);
        Assert.Equal(text, Encoding.UTF8.GetString(message.ToArray()));
    }

    [Fact]
    public void Multipart_without_boundary_parameter_is_a_leaf()
    {
        var message = MimeMessage.Parse(MimeCorpus.Read("missing-boundary-parameter.eml"));
        Assert.True(message.Root.IsMultipart);
        Assert.Empty(message.Root.Children);
    }

    [Fact]
    public void Missing_close_delimiter_ends_the_last_part_at_the_end_of_input()
    {
        var message = Parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n");
        Assert.Equal(["one", "two"], message.Root.Children.Select(c => c.GetText()));
    }

    [Fact]
    public void Outer_delimiter_ends_an_unterminated_inner_multipart()
    {
        var message = Parse("Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\n\r\ninner\r\n--o\r\n\r\nsecond\r\n--o--\r\n");
        Assert.Equal(2, message.Root.Children.Count);
        Assert.Equal("inner", message.Root.Children[0].Children[0].GetText());
        Assert.Equal("second", message.Root.Children[1].GetText());
    }

    [Fact]
    public void Default_depth_limit_makes_deeper_multiparts_opaque()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 40; i++)
        {
            sb.Append($"Content-Type: multipart/mixed; boundary=l{i}\r\n\r\n--l{i}\r\n");
        }
        sb.Append("\r\nbottom\r\n");
        var message = Parse(sb.ToString());
        var depth = 0;
        var entity = message.Root;
        while (entity.Children.Count > 0)
        {
            entity = entity.Children[0];
            depth++;
        }
        Assert.Equal(32, MimeParserOptions.Default.MaxDepth);
        Assert.Equal(32, depth);
        Assert.True(entity.IsMultipart);
        Assert.Equal(sb.ToString(), Encoding.UTF8.GetString(message.ToArray()));

        var shallow = Parse(sb.ToString(), new MimeParserOptions { MaxDepth = 2 });
        Assert.Empty(shallow.Root.Children[0].Children[0].Children);
    }

    [Fact]
    public void Thousands_of_nested_messages_stop_at_the_depth_limit()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 5000; i++)
        {
            sb.Append("Subject: level ").Append(i).Append("\r\nContent-Type: message/rfc822\r\n\r\n");
        }
        var message = Parse(sb.ToString());
        var depth = 0;
        for (var m = message; m.Root.Message is { } nested; m = nested)
        {
            depth++;
        }
        Assert.Equal(MimeParserOptions.Default.MaxDepth + 1, depth);
        Assert.Contains("\"level 33\"", message.GetBodyStructure().ToImapString(), StringComparison.Ordinal);
        Assert.Equal(sb.ToString(), Encoding.UTF8.GetString(message.ToArray()));
    }

    [Fact]
    public void Message_rfc822_part_is_a_nested_message()
    {
        var message = MimeMessage.Parse(MimeCorpus.Read("message-rfc822-attachment.eml"));
        var nested = message.Root.Children[1].Message;
        Assert.NotNull(nested);
        Assert.Equal("Lunch", nested.Subject);
        Assert.Equal("carol@example.net", nested.From[0].AddrSpec);
        Assert.Equal(new DateTimeOffset(2025, 6, 30, 12, 0, 0, TimeSpan.FromHours(-4)), nested.Date);
        Assert.Equal(2, nested.Root.Children.Count);
    }

    [Fact]
    public void Digest_parts_default_to_message_rfc822()
    {
        var message = MimeMessage.Parse(MimeCorpus.Read("multipart-digest.eml"));
        Assert.All(message.Root.Children, c => Assert.Equal("message/rfc822", c.ContentType.MimeType));
        Assert.Equal("Second", message.Root.Children[1].Message!.Subject);
    }

    [Fact]
    public void Charsets_decode_and_unknown_charsets_fall_back()
    {
        Assert.Equal("Déjà", Parse("Content-Type: text/plain; charset=x-made-up\r\n\r\nDéjà").Root.GetText());
        var latin1 = MimeMessage.Parse((byte[])[.. "Content-Type: text/plain; charset=x-made-up\r\n\r\nD"u8.ToArray(), 0xE9]);
        Assert.Equal("Dé", latin1.Root.GetText());
        var koi8 = MimeMessage.Parse((byte[])[.. "Content-Type: text/plain; charset=koi8-r\r\n\r\n"u8.ToArray(), 0xF0, 0xD2, 0xC9]);
        Assert.Equal("При", koi8.Root.GetText());
    }

    [Fact]
    public void Raw_utf8_headers_are_read_as_utf8()
    {
        var message = MimeMessage.Parse(MimeCorpus.Read("utf8-headers.eml"));
        Assert.Equal("Grüße — UTF-8 in raw headers (RFC 6532)", message.Subject);
        Assert.Equal("田中", message.To[1].DisplayName);
    }

    [Fact]
    public void Raw_latin1_header_bytes_are_read_as_latin1()
    {
        var message = MimeMessage.Parse((byte[])[.. "Subject: Caf"u8.ToArray(), 0xE9, .. "\r\n\r\n"u8.ToArray()]);
        Assert.Equal("Café", message.Subject);
    }

    [Fact]
    public void Invalid_content_type_falls_back_to_text_plain()
    {
        Assert.Equal("text/plain", Parse("Content-Type: garbage\r\n\r\nx").Root.ContentType.MimeType);
    }

    [Fact]
    public void Prepended_trace_field_is_written_before_the_original_bytes()
    {
        var original = MimeCorpus.Read("nested-multipart.eml");
        var message = MimeMessage.Parse(original);
        message.Headers.Insert(0, HeaderField.Create("Received", "from x by y; Tue, 1 Jul 2025 10:52:37 +0200"));
        var expected = "Received: from x by y; Tue, 1 Jul 2025 10:52:37 +0200\r\n"u8.ToArray().Concat(original).ToArray();
        Assert.Equal(expected, message.ToArray());
    }

    [Fact]
    public void Modified_part_header_keeps_the_rest_of_the_message()
    {
        var message = MimeMessage.Parse(MimeCorpus.Read("nested-multipart.eml"));
        message.Root.Children[1].Headers.RemoveAll("Content-Disposition");
        var reparsed = MimeMessage.Parse(message.ToArray());
        Assert.Null(reparsed.Root.Children[1].ContentDisposition);
        Assert.Equal("report.pdf", reparsed.Root.Children[1].FileName);
        Assert.Equal(message.Root.Children[1].GetContent(), reparsed.Root.Children[1].GetContent());
    }
}
