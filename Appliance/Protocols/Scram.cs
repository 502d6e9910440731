using System.Security.Cryptography;
using System.Text;

namespace Appliance.Protocols;

/// <summary>What the server keeps for SCRAM (RFC 5802 §3): never the password, never SaltedPassword.</summary>
public sealed record ScramCredentials(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey);

public enum ScramStatus
{
    /// <summary>The message was read; the exchange goes on.</summary>
    Continue,
    /// <summary>Not the grammar of RFC 5802 §7: the protocol's syntax error (BAD, -ERR, 501).</summary>
    Malformed,
    /// <summary>Well formed but refused (channel binding, authzid, wrong proof): the protocol's authentication failure.</summary>
    Failed,
}

/// <summary>
/// The server side of SCRAM-SHA-256 (RFC 7677, RFC 5802), without channel binding: pure, no I/O. The
/// protocol feeds it the client's two messages and sends what it answers, base64-encoded, as challenges.
/// </summary>
public sealed class ScramServer
{
    public const string Mechanism = "SCRAM-SHA-256";
    private const int NonceBytes = 18;

    private readonly string _serverNonce;
    private string _gs2Header = "";
    private string _clientFirstBare = "";
    private string _nonce = "";
    private string _serverFirst = "";
    private string _authMessage = "";
    private byte[] _proof = [];
    private ScramCredentials? _credentials;

    /// <param name="serverNonce">The server's part of the nonce; random unless a test gives RFC 7677's.</param>
    public ScramServer(string? serverNonce = null) =>
        _serverNonce = serverNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(NonceBytes));

    /// <summary>The authentication identity, with =2C and =3D undone (RFC 5802 §5.1).</summary>
    public string User { get; private set; } = "";

    /// <summary>The RFC 5802 server-error value of the last refusal, e.g. <c>invalid-proof</c>.</summary>
    public string Error { get; private set; } = "";

    /// <summary>
    /// <c>client-first-message = gs2-header client-first-message-bare</c>, where
    /// <c>gs2-header = gs2-cbind-flag "," [ authzid ] ","</c> and
    /// <c>client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]</c>.
    /// </summary>
    public ScramStatus ReadClientFirst(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var at = 0;
        if (!NextField(message, ref at, out var flag))
        {
            return Malformed();
        }
        if (flag.StartsWith("p=", StringComparison.Ordinal))
        {
            // RFC 5802 §6: the client wants channel binding, which this server does not offer (no -PLUS).
            return Refused("channel-binding-not-supported");
        }
        // "y": the client could bind but believes the server cannot; true, since no -PLUS is advertised.
        if (flag is not ("n" or "y") || !NextField(message, ref at, out var authzid))
        {
            return Malformed();
        }
        string? authorize = null;
        if (authzid.Length > 0)
        {
            if (!authzid.StartsWith("a=", StringComparison.Ordinal) || !TryDecodeSaslName(authzid[2..], out var a))
            {
                return Malformed();
            }
            authorize = a;
        }
        _gs2Header = message[..at];
        _clientFirstBare = message[at..];
        if (!NextField(message, ref at, out var username))
        {
            return Malformed();
        }
        if (username.StartsWith("m=", StringComparison.Ordinal))
        {
            return Refused("extensions-not-supported");
        }
        if (!username.StartsWith("n=", StringComparison.Ordinal) || !TryDecodeSaslName(username[2..], out var user) || user.Length == 0)
        {
            return Malformed();
        }
        var end = message.IndexOf(',', at);
        var nonce = end < 0 ? message[at..] : message[at..end];
        if (!nonce.StartsWith("r=", StringComparison.Ordinal) || !IsPrintable(nonce.AsSpan(2)) || nonce.Length == 2)
        {
            return Malformed();
        }
        User = user;
        _nonce = nonce[2..] + _serverNonce;
        // No proxy login: an authorization identity must be the authentication one (as PLAIN).
        if (authorize is not null && !string.Equals(authorize, user, StringComparison.OrdinalIgnoreCase))
        {
            return Refused("other-error");
        }
        return ScramStatus.Continue;
    }

    /// <summary><c>server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]</c>.</summary>
    public string ServerFirst(ScramCredentials credentials)
    {
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        _serverFirst = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"r={_nonce},s={Convert.ToBase64String(credentials.Salt)},i={credentials.Iterations}");
        return _serverFirst;
    }

    /// <summary>
    /// <c>client-final-message = client-final-message-without-proof "," proof</c>, where the part without
    /// proof is <c>channel-binding "," nonce ["," extensions]</c>. Checks the grammar, the echoed gs2 header
    /// and the nonce; whether the proof is right is <see cref="ProofMatches"/>, against the current key.
    /// </summary>
    public ScramStatus ReadClientFinal(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_credentials is null)
        {
            throw new InvalidOperationException("ServerFirst comes first");
        }
        var proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return Malformed();
        }
        var withoutProof = message[..proofAt];
        var at = 0;
        if (!NextField(withoutProof, ref at, out var binding) || !binding.StartsWith("c=", StringComparison.Ordinal))
        {
            return Malformed();
        }
        var end = withoutProof.IndexOf(',', at);
        var nonce = end < 0 ? withoutProof[at..] : withoutProof[at..end];
        if (!nonce.StartsWith("r=", StringComparison.Ordinal))
        {
            return Malformed();
        }
        byte[] proof;
        byte[] cbind;
        try
        {
            proof = Convert.FromBase64String(message[(proofAt + 3)..]);
            cbind = Convert.FromBase64String(binding[2..]);
        }
        catch (FormatException)
        {
            return Malformed();
        }
        if (proof.Length != SHA256.HashSizeInBytes)
        {
            return Malformed();
        }
        // c= is base64 of the gs2 header the client sent first, with no binding data (RFC 5802 §7).
        if (!cbind.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(_gs2Header)))
        {
            return Refused("channel-bindings-dont-match");
        }
        if (!string.Equals(nonce[2..], _nonce, StringComparison.Ordinal))
        {
            return Refused("other-error");
        }
        _proof = proof;
        _authMessage = _clientFirstBare + "," + _serverFirst + "," + withoutProof;
        return ScramStatus.Continue;
    }

    /// <summary>
    /// RFC 5802 §3: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); right when H(ClientKey) is
    /// StoredKey, compared in constant time. Sets <see cref="Error"/> to <c>invalid-proof</c> when not.
    /// </summary>
    public bool ProofMatches(byte[] storedKey)
    {
        ArgumentNullException.ThrowIfNull(storedKey);
        if (_authMessage.Length == 0)
        {
            return false;
        }
        var signature = HMACSHA256.HashData(storedKey, Encoding.UTF8.GetBytes(_authMessage));
        var clientKey = new byte[signature.Length];
        for (var i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] = (byte)(_proof[i] ^ signature[i]);
        }
        var ok = CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), storedKey);
        if (!ok)
        {
            Error = "invalid-proof";
        }
        return ok;
    }

    /// <summary><c>server-final-message = verifier</c>: <c>v=</c> HMAC(ServerKey, AuthMessage), proving the server knew the key.</summary>
    public string ServerFinal() =>
        "v=" + Convert.ToBase64String(HMACSHA256.HashData(_credentials!.ServerKey, Encoding.UTF8.GetBytes(_authMessage)));

    /// <summary>
    /// <c>saslname = 1*(value-safe-char / "=2C" / "=3D")</c>: "," and "=" appear only escaped (RFC 5802 §5.1).
    /// </summary>
    public static bool TryDecodeSaslName(string text, out string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        name = "";
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ',')
            {
                return false;
            }
            if (c == '=')
            {
                if (i + 2 >= text.Length) return false;
                var escape = text.AsSpan(i + 1, 2);
                if (escape.SequenceEqual("2C")) builder.Append(',');
                else if (escape.SequenceEqual("3D")) builder.Append('=');
                else return false;
                i += 2;
                continue;
            }
            builder.Append(c);
        }
        name = builder.ToString();
        return true;
    }

    /// <summary>Reads up to the next ","; false when there is none.</summary>
    private static bool NextField(string message, ref int at, out string field)
    {
        var comma = message.IndexOf(',', at);
        if (comma < 0)
        {
            field = "";
            return false;
        }
        field = message[at..comma];
        at = comma + 1;
        return true;
    }

    /// <summary><c>printable = %x21-2B / %x2D-7E</c>: visible ASCII but ",".</summary>
    private static bool IsPrintable(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < '!' or > '~' or ',') return false;
        }
        return true;
    }

    private ScramStatus Malformed()
    {
        Error = "invalid-encoding";
        return ScramStatus.Malformed;
    }

    private ScramStatus Refused(string error)
    {
        Error = error;
        return ScramStatus.Failed;
    }
}
