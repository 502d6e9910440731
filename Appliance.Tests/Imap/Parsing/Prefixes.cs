using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The every-prefix check the typed IMAP parsers share.</summary>
internal static class Prefixes
{
    /// <summary>
    /// Every proper prefix of <paramref name="input"/> is what a parser is handed when a client is cut off or
    /// hostile: a syntax error, unless it is itself one of the <paramref name="complete"/> commands, which must
    /// parse and pass <paramref name="check"/>; never another exception, never a wrong success. The whole input
    /// passes <paramref name="check"/> too.
    /// </summary>
    public static void AssertEachIsASyntaxErrorUnlessComplete<T>(string input, string[] complete, Func<string, T> parse, Action<T> check)
    {
        for (var length = 0; length < input.Length; length++)
        {
            var prefix = input[..length];
            if (complete.Contains(prefix))
            {
                check(parse(prefix));
            }
            else
            {
                Assert.Throws<ImapSyntaxException>(() => parse(prefix));
            }
        }
        check(parse(input));
    }
}
