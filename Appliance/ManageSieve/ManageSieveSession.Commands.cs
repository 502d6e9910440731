using System.Buffers;
using System.Globalization;
using System.Text;
using Appliance.Accounts;
using Appliance.Filtering.Sieve;
using Appliance.ManageSieve.Parsing;
using Appliance.Protocols;

namespace Appliance.ManageSieve;

/// <summary>The commands of RFC 5804 §2, each reading its arguments from the tokens and answering with one response.</summary>
public sealed partial class ManageSieveSession
{
    private bool _tlsStarted;

    /// <summary>
    /// RFC 5804 §1.7: one line per capability. SASL lists PLAIN only where a password may be sent (else it is empty,
    /// and clients such as sieve-connect then STARTTLS); STARTTLS only before TLS and sign-in.
    /// </summary>
    private void WriteCapabilities()
    {
        var text = new StringBuilder();
        void Line(string name, string? value)
        {
            text.Append(ManageSieveResponse.String(name));
            if (value is not null)
            {
                text.Append(' ').Append(ManageSieveResponse.String(value));
            }
            text.Append("\r\n");
        }
        Line("IMPLEMENTATION", "Appliance");
        Line("SASL", MayAuthenticate && _state == ManageSieveState.NonAuthenticated ? "PLAIN" : "");
        Line("SIEVE", string.Join(' ', SieveGrammar.Extensions.Order(StringComparer.Ordinal)));
        if (!IsTls && _state == ManageSieveState.NonAuthenticated)
        {
            Line("STARTTLS", null);
        }
        // The interpreter's limit on redirects in one run (SieveOptions.MaxRedirects).
        Line("MAXREDIRECTS", new SieveOptions().MaxRedirects.ToString(CultureInfo.InvariantCulture));
        if (_user is not null)
        {
            Line("OWNER", _user.Address);
        }
        Line("UNAUTHENTICATE", null);
        Line("VERSION", "1.0");
        WriteRaw(text.ToString());
    }

    private void Capability(List<ManageSieveToken> arguments)
    {
        Arguments(arguments, 0);
        WriteCapabilities();
        Write(ManageSieveResponse.Ok());
    }

    private void Logout(List<ManageSieveToken> arguments)
    {
        Arguments(arguments, 0);
        Write(ManageSieveResponse.Ok("Logout complete"));
        _closing = true;
    }

    /// <summary>RFC 5804 §2.13: <c>NOOP [string]</c>; the string comes back in a TAG response code.</summary>
    private void Noop(List<ManageSieveToken> arguments)
    {
        if (arguments.Count > 1 || arguments.Count == 1 && !arguments[0].IsString)
        {
            throw Syntax("NOOP [tag]");
        }
        Write(ManageSieveResponse.Ok("Done", arguments.Count == 1 ? "TAG " + ManageSieveResponse.String(arguments[0].Value) : null));
    }

    /// <summary>RFC 5804 §2.2: OK, the handshake, then the capabilities again (written once the handshake has run).</summary>
    private void StartTls(List<ManageSieveToken> arguments)
    {
        Arguments(arguments, 0);
        if (IsTls)
        {
            throw new ManageSieveResponseException(ManageSieveResponse.No("TLS is already active"));
        }
        Write(ManageSieveResponse.Ok("Begin TLS negotiation now"));
        _loop.RequestTls();
        _tlsStarted = true;
    }

    /// <summary>
    /// RFC 5804 §2.1: <c>AUTHENTICATE mechanism [initial-response]</c>; without the initial response the server sends an
    /// empty challenge (<c>""</c>) and the client answers with a string, or <c>"*"</c> to cancel.
    /// </summary>
    private async Task AuthenticateAsync(List<ManageSieveToken> arguments)
    {
        if (arguments.Count is < 1 or > 2 || arguments.Count == 2 && !arguments[1].IsString)
        {
            throw Syntax("AUTHENTICATE \"PLAIN\" [initial-response]");
        }
        if (!string.Equals(arguments[0].Value, "PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            throw new ManageSieveResponseException(ManageSieveResponse.No("Unsupported authentication mechanism; use PLAIN"));
        }
        if (!MayAuthenticate)
        {
            throw new ManageSieveResponseException(ManageSieveResponse.No("Plaintext authentication is not allowed without TLS; use STARTTLS first", "ENCRYPT-NEEDED"));
        }
        string response;
        if (arguments.Count == 2)
        {
            response = arguments[1].Value;
        }
        else
        {
            WriteRaw("\"\"\r\n");
            await _loop.FlushAsync().ConfigureAwait(false);
            var answer = await ReadCommandAsync().ConfigureAwait(false);
            if (answer is null)
            {
                _closing = true;
                return;
            }
            if (answer.Count == 0)
            {
                // Malformed: ReadCommandAsync has answered it.
                return;
            }
            if (answer.Count != 1 || !answer[0].IsString)
            {
                throw new ManageSieveResponseException(ManageSieveResponse.No("Expected the SASL response as a string"));
            }
            response = answer[0].Value;
            if (response == "*")
            {
                throw new ManageSieveResponseException(ManageSieveResponse.No("Authentication cancelled"));
            }
        }
        if (!Sasl.TryDecodePlain(response, out var address, out var password))
        {
            throw new ManageSieveResponseException(ManageSieveResponse.No("Cannot decode the PLAIN response"));
        }
        var result = await _services.Authenticator.SignInAsync(address, password, _cancellation).ConfigureAwait(false);
        if (result.Outcome != SignInOutcome.Success)
        {
            // Unknown, wrong, locked and disabled all get the same answer, so accounts cannot be probed.
            LogAuthFailed(_services.Logger, _id, address, _remote?.Address.ToString() ?? "");
            if (++_authFailures >= Options.MaxAuthFailures)
            {
                Write(ManageSieveResponse.Bye("Authentication failed; too many attempts, closing"));
                _closing = true;
                return;
            }
            Write(ManageSieveResponse.No("Authentication failed"));
            return;
        }
        _user = result.User!;
        _state = ManageSieveState.Authenticated;
        LogSignedIn(_services.Logger, _id, _user.Address);
        Write(ManageSieveResponse.Ok("Logged in"));
    }

    /// <summary>RFC 5804 §2.14: back to the non-authenticated state; TLS stays.</summary>
    private void Unauthenticate(List<ManageSieveToken> arguments)
    {
        Arguments(arguments, 0);
        _user = null;
        _state = ManageSieveState.NonAuthenticated;
        Write(ManageSieveResponse.Ok());
    }

    /// <summary>RFC 5804 §2.5: <c>HAVESPACE name size</c>.</summary>
    private async Task HaveSpaceAsync(List<ManageSieveToken> arguments)
    {
        if (arguments.Count != 2 || !arguments[0].IsString || arguments[1].IsString
            || !ManageSieveLine.TryNumber(Encoding.ASCII.GetBytes(arguments[1].Value), out var size))
        {
            throw Syntax("HAVESPACE name size");
        }
        await _services.Scripts.CheckSpaceAsync(User.Id, arguments[0].Value, size, _cancellation).ConfigureAwait(false);
        Write(ManageSieveResponse.Ok());
    }

    /// <summary>RFC 5804 §2.6: <c>PUTSCRIPT name script</c>; the script must compile, and replacing the active one keeps it active.</summary>
    private async Task PutScriptAsync(List<ManageSieveToken> arguments)
    {
        Strings(arguments, 2, "PUTSCRIPT name script");
        await _services.Scripts.PutAsync(User.Id, arguments[0].Value, arguments[1].Value, _cancellation).ConfigureAwait(false);
        LogScriptChanged(_services.Logger, _id, User.Address, "stored", arguments[0].Value);
        Write(ManageSieveResponse.Ok());
    }

    /// <summary>RFC 5804 §2.7: one line per script, the active one marked ACTIVE.</summary>
    private async Task ListScriptsAsync(List<ManageSieveToken> arguments)
    {
        Arguments(arguments, 0);
        var scripts = await _services.Scripts.ListAsync(User.Id, _cancellation).ConfigureAwait(false);
        var text = new StringBuilder();
        foreach (var script in scripts)
        {
            text.Append(ManageSieveResponse.String(script.Name)).Append(script.IsActive ? " ACTIVE" : "").Append("\r\n");
        }
        WriteRaw(text.ToString());
        Write(ManageSieveResponse.Ok());
    }

    /// <summary>RFC 5804 §2.8: <c>SETACTIVE name</c>; the empty name turns filtering off.</summary>
    private async Task SetActiveAsync(List<ManageSieveToken> arguments)
    {
        Strings(arguments, 1, "SETACTIVE name");
        await _services.Scripts.SetActiveAsync(User.Id, arguments[0].Value, _cancellation).ConfigureAwait(false);
        LogScriptChanged(_services.Logger, _id, User.Address, arguments[0].Value.Length == 0 ? "deactivated" : "activated", arguments[0].Value);
        Write(ManageSieveResponse.Ok());
    }

    /// <summary>RFC 5804 §2.9: the script as a literal, then OK.</summary>
    private async Task GetScriptAsync(List<ManageSieveToken> arguments)
    {
        Strings(arguments, 1, "GETSCRIPT name");
        var content = await _services.Scripts.GetAsync(User.Id, arguments[0].Value, _cancellation).ConfigureAwait(false)
            ?? throw new ManageSieveResponseException(ManageSieveResponse.No($"There is no script named \"{arguments[0].Value}\"", "NONEXISTENT"));
        var octets = Encoding.UTF8.GetBytes(content);
        WriteRaw(string.Create(CultureInfo.InvariantCulture, $"{{{octets.Length}}}\r\n"));
        _loop.Output.Write(octets);
        WriteRaw("\r\n");
        Write(ManageSieveResponse.Ok());
    }

    /// <summary>RFC 5804 §2.10: the active script cannot be deleted.</summary>
    private async Task DeleteScriptAsync(List<ManageSieveToken> arguments)
    {
        Strings(arguments, 1, "DELETESCRIPT name");
        await _services.Scripts.DeleteAsync(User.Id, arguments[0].Value, _cancellation).ConfigureAwait(false);
        LogScriptChanged(_services.Logger, _id, User.Address, "deleted", arguments[0].Value);
        Write(ManageSieveResponse.Ok());
    }

    /// <summary>RFC 5804 §2.11.1: <c>RENAMESCRIPT old new</c>.</summary>
    private async Task RenameScriptAsync(List<ManageSieveToken> arguments)
    {
        Strings(arguments, 2, "RENAMESCRIPT old-name new-name");
        await _services.Scripts.RenameAsync(User.Id, arguments[0].Value, arguments[1].Value, _cancellation).ConfigureAwait(false);
        LogScriptChanged(_services.Logger, _id, User.Address, "renamed to " + arguments[1].Value, arguments[0].Value);
        Write(ManageSieveResponse.Ok());
    }

    /// <summary>RFC 5804 §2.12: compile without storing; the error names the line.</summary>
    private void CheckScript(List<ManageSieveToken> arguments)
    {
        Strings(arguments, 1, "CHECKSCRIPT script");
        _services.Scripts.Check(arguments[0].Value);
        Write(ManageSieveResponse.Ok());
    }

    private User User => _user ?? throw new InvalidOperationException("not authenticated");

    private static void Arguments(List<ManageSieveToken> arguments, int count)
    {
        if (arguments.Count != count)
        {
            throw new ManageSieveResponseException(ManageSieveResponse.No(count == 0 ? "This command takes no arguments" : "Wrong number of arguments"));
        }
    }

    private static void Strings(List<ManageSieveToken> arguments, int count, string usage)
    {
        if (arguments.Count != count || arguments.Any(a => !a.IsString))
        {
            throw Syntax(usage);
        }
    }

    private static ManageSieveResponseException Syntax(string usage) => new(ManageSieveResponse.No($"Syntax: {usage}"));
}
