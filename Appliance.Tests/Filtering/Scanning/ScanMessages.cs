using System.IO.Compression;
using System.Text;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering.Scanning;

/// <summary>The messages the scanner tests send: well-formed mail, so that only what a test adds decides the verdict.</summary>
internal static class ScanMessages
{
    public static byte[] Plain(string body = "Hello Anna,\r\n\r\nlunch tomorrow at noon? The usual place.\r\n\r\nBest,\r\nBob\r\n") => Encoding.ASCII.GetBytes(
        "Received: from mail.example.com (mail.example.com [192.0.2.10])\r\n" +
        "\tby mx.example.org with ESMTPS id 4Bf2kQ; Thu, 03 Dec 2026 10:15:00 +0000\r\n" +
        "Date: Thu, 03 Dec 2026 10:14:58 +0000\r\n" +
        "From: Bob Baker <bob@example.com>\r\n" +
        "To: Anna Adams <anna@example.org>\r\n" +
        "Subject: Lunch tomorrow\r\n" +
        "Message-ID: <20261203101458.4711@mail.example.com>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "\r\n" + body);

    public static byte[] Gtube() => Plain($"This is the GTUBE, the Generic Test for Unsolicited Bulk Email:\r\n\r\n{PrivateSpamd.Gtube}\r\n");

    /// <summary>A message with the EICAR file zipped and attached in base64, as a mail client sends an attachment.</summary>
    public static byte[] EicarInZipAttachment()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("invoice.com", CompressionLevel.Optimal).Open();
            entry.Write(PrivateClamd.Eicar);
        }
        var base64 = Convert.ToBase64String(zip.ToArray(), Base64FormattingOptions.InsertLineBreaks);
        Assert.DoesNotContain("EICAR", base64, StringComparison.Ordinal);
        return Encoding.ASCII.GetBytes(
            "Date: Thu, 03 Dec 2026 10:14:58 +0000\r\n" +
            "From: Bob Baker <bob@example.com>\r\n" +
            "To: Anna Adams <anna@example.org>\r\n" +
            "Subject: Your invoice\r\n" +
            "Message-ID: <20261203101458.4712@mail.example.com>\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: multipart/mixed; boundary=\"=-b1\"\r\n" +
            "\r\n" +
            "--=-b1\r\n" +
            "Content-Type: text/plain; charset=us-ascii\r\n" +
            "\r\n" +
            "The invoice is attached.\r\n" +
            "--=-b1\r\n" +
            "Content-Type: application/zip; name=\"invoice.zip\"\r\n" +
            "Content-Transfer-Encoding: base64\r\n" +
            "Content-Disposition: attachment; filename=\"invoice.zip\"\r\n" +
            "\r\n" +
            base64 + "\r\n" +
            "--=-b1--\r\n");
    }
}
