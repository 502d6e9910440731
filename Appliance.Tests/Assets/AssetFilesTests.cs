using System.Buffers.Binary;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Assets;

/// <summary>
/// The top-level assets/ as rendered by assets/render.sh, and the fonts where the PDF reports will load them:
/// under assets/fonts/ beside the app, in its own build output and beside the in-process host of the tests.
/// </summary>
public sealed class AssetFilesTests
{
    private static readonly string Assets = Path.Combine(ApplianceProcess.RepositoryRoot, "assets");

    public static TheoryData<string> Fonts => new() { "DejaVuSans.ttf", "DejaVuSans-Bold.ttf" };

    /// <summary>TrueType outlines start with version 0x00010000 (OpenType spec, "Organization of an OpenType Font").</summary>
    private static bool IsTrueType(byte[] font) => font.Length > 12 && BinaryPrimitives.ReadUInt32BigEndian(font) == 0x00010000;

    [Theory]
    [MemberData(nameof(Fonts))]
    public void The_app_output_has_each_font_unchanged_with_its_licence(string font)
    {
        var folder = Path.Combine(Path.GetDirectoryName(ApplianceProcess.Executable)!, "assets", "fonts");

        var bytes = File.ReadAllBytes(Path.Combine(folder, font));
        Assert.True(IsTrueType(bytes), $"{font} does not start with a TrueType header");
        Assert.Equal(File.ReadAllBytes(Path.Combine(Assets, "fonts", font)), bytes);
        Assert.Contains("Bitstream Vera", File.ReadAllText(Path.Combine(folder, "LICENSE-DejaVu.txt")), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Fonts))]
    public void The_in_process_host_finds_each_font_under_its_base_directory(string font)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "assets", "fonts", font));

        Assert.True(IsTrueType(bytes), $"{font} does not start with a TrueType header");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(48)]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(192)]
    [InlineData(256)]
    [InlineData(512)]
    public void Each_icon_png_is_the_size_its_name_says(int size)
    {
        Assert.Equal((size, size), PngSize(File.ReadAllBytes(Path.Combine(Assets, "icons", $"mark-{size}.png"))));
    }

    [Fact]
    public void The_apple_touch_icon_is_180_pixels_and_opaque()
    {
        var png = File.ReadAllBytes(Path.Combine(Assets, "icons", "apple-touch-icon.png"));

        Assert.Equal((180, 180), PngSize(png));
        Assert.Equal(2, png[25]); // IHDR colour type 2: RGB without alpha, so iOS has no transparency to turn black
    }

    [Fact]
    public void The_favicon_holds_16_32_48_and_64_pixel_images()
    {
        var ico = File.ReadAllBytes(Path.Combine(Assets, "favicon.ico"));

        // ICONDIR: reserved 0, type 1 (icon), count; then 16-byte entries whose first two bytes are width and height.
        Assert.Equal((0, 1), (BinaryPrimitives.ReadUInt16LittleEndian(ico), BinaryPrimitives.ReadUInt16LittleEndian(ico.AsSpan(2))));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(ico.AsSpan(4));
        var sizes = Enumerable.Range(0, count).Select(i => (ico[6 + 16 * i], ico[6 + 16 * i + 1])).ToList();
        Assert.Equal([(16, 16), (32, 32), (48, 48), (64, 64)], sizes.Select(s => ((int)s.Item1, (int)s.Item2)));
    }

    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}
