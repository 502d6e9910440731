namespace Appliance.Tests.Mime;

/// <summary>The golden messages in TestData/Mime, each named after what it proves.</summary>
internal static class MimeCorpus
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "TestData", "Mime");

    public static IEnumerable<string> Names =>
        System.IO.Directory.EnumerateFiles(Directory, "*.eml").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in Names)
            {
                data.Add(name);
            }
            return data;
        }
    }

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory, name));
}
