using System.Security.Cryptography;
using System.Text;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// The client side of SCRAM-SHA-256 for transcript tests, written from RFC 5802 §3; checked against
/// RFC 7677's example so it cannot agree with the server by sharing a mistake. The interop tests use Perl's
/// Authen::SCRAM instead.
/// </summary>
public sealed class ScramTestClient(string user, string password, string nonce = "fyko+d2lbbFgONRv9qkxdawL")
{
    private string _clientFirstBare = "";
    private byte[] _serverSignature = [];

    public string ClientFirst(string gs2Header = "n,,")
    {
        _clientFirstBare = $"n={user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},r={nonce}";
        return gs2Header + _clientFirstBare;
    }

    public string ClientFinal(string serverFirst, string gs2Header = "n,,")
    {
        var fields = serverFirst.Split(',').ToDictionary(f => f[..1], f => f[2..]);
        var salted = Rfc2898DeriveBytes.Pbkdf2(password, Convert.FromBase64String(fields["s"]), int.Parse(fields["i"], System.Globalization.CultureInfo.InvariantCulture), HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var withoutProof = $"c={Convert.ToBase64String(Encoding.UTF8.GetBytes(gs2Header))},r={fields["r"]}";
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{serverFirst},{withoutProof}");
        var signature = HMACSHA256.HashData(storedKey, authMessage);
        var proof = clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray();
        _serverSignature = HMACSHA256.HashData(HMACSHA256.HashData(salted, "Server Key"u8), authMessage);
        return $"{withoutProof},p={Convert.ToBase64String(proof)}";
    }

    /// <summary>The v= the server must send: the client's check that the server knew the key.</summary>
    public string ExpectedServerFinal => "v=" + Convert.ToBase64String(_serverSignature);

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public static string Text(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));
}
