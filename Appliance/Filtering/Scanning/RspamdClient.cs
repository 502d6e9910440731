using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Scanning;

/// <summary>The envelope rspamd is told with the message, as its HTTP request headers (rspamd protocol, "Rspamd HTTP request").</summary>
/// <param name="Ip">The SMTP client's address (<c>IP</c>); null for mail made here.</param>
/// <param name="User">The authenticated user (<c>User</c>), which rspamd treats as an outbound sender.</param>
public sealed record RspamdEnvelope(string Sender, IReadOnlyList<string> Recipients, IPAddress? Ip = null, string? Helo = null, string? User = null);

/// <summary>
/// A client of rspamd's HTTP API: <c>POST /checkv2</c> with the message as the body and the envelope as headers
/// (<c>From</c>, one <c>Rcpt</c> per recipient, <c>IP</c>, <c>Helo</c>, <c>User</c>, <c>Password</c>), answered by JSON
/// (<see cref="RspamdReply"/>); <c>GET /ping</c> answers "pong". It never throws for the daemon's faults: the result
/// is a verdict or a <see cref="ScanFailure"/>. Whether to call it at all is the caller's (<see cref="RspamdOptions.Enabled"/>).
/// </summary>
public sealed class RspamdClient : IDisposable
{
    private const int MaxReplyBytes = 1 << 20;
    private readonly RspamdOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Uri _base;

    public RspamdClient(IOptions<RspamdOptions> options, ILogger<RspamdClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger ?? NullLogger<RspamdClient>.Instance;
        _base = new Uri(_options.Url.TrimEnd('/') + "/", UriKind.Absolute);
        // Connections are kept between messages, as rspamd's own milter proxy does; the deadline is per request.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), UseProxy = false, AllowAutoRedirect = false })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }

    public string Endpoint => _base.ToString().TrimEnd('/');

    /// <summary>Scores the message from the stream's position to its end (a seekable stream, such as the SMTP spool's).</summary>
    public async Task<SpamCheckResult> CheckAsync(Stream message, RspamdEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var length = ScannerExchange.RemainingLength(message);
        if (length > _options.MaxMessageBytes)
        {
            return Failed(new ScanFailure(ScanFailureKind.TooLarge,
                string.Create(CultureInfo.InvariantCulture, $"not sent to rspamd: {length} bytes, over Appliance:Filtering:Rspamd:MaxMessageBytes ({_options.MaxMessageBytes})")));
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, "checkv2"));
        // The message's stream stays the caller's: the content must not dispose it.
        request.Content = new StreamContent(new NonClosing(message));
        request.Content.Headers.ContentLength = length;
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        AddHeader(request, "From", envelope.Sender);
        foreach (var recipient in envelope.Recipients)
        {
            AddHeader(request, "Rcpt", recipient);
        }
        AddHeader(request, "IP", envelope.Ip?.ToString());
        AddHeader(request, "Helo", envelope.Helo);
        AddHeader(request, "User", envelope.User);
        AddHeader(request, "Password", _options.Password);

        var (body, failure, elapsed) = await SendAsync(request, "checking a message", cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return Failed(failure);
        }
        var verdict = RspamdReply.Parse(body, out var error);
        if (verdict is null)
        {
            return Failed(new ScanFailure(ScanFailureKind.ProtocolError, $"rspamd at {Endpoint}: {error}"));
        }
        ScanningLog.RspamdScored(_logger, Endpoint, verdict.Score, verdict.Action!, verdict.Symbols.Count, (long)elapsed.TotalMilliseconds);
        return SpamCheckResult.Scored(verdict);
    }

    /// <summary><c>GET /ping</c>, answered "pong"; the version is the reply's <c>Server</c> field ("rspamd/3.4").</summary>
    public async Task<(ScannerHealth Health, string? Version)> PingAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, "ping"));
        AddHeader(request, "Password", _options.Password);
        string? version = null;
        var (body, failure, elapsed) = await SendAsync(request, "ping", cancellationToken, response => version = response.Headers.Server.ToString()).ConfigureAwait(false);
        if (failure is null && !System.Text.Encoding.ASCII.GetString(body).Trim().Equals("pong", StringComparison.OrdinalIgnoreCase))
        {
            failure = new ScanFailure(ScanFailureKind.ProtocolError, $"rspamd at {Endpoint} answered /ping with '{SpamdReply.Printable(body.AsSpan(0, Math.Min(body.Length, 80)))}'");
        }
        return (new ScannerHealth(elapsed, failure), failure is null && version is { Length: > 0 } ? version : null);
    }

    private async Task<(byte[] Body, ScanFailure? Failure, TimeSpan Elapsed)> SendAsync(HttpRequestMessage request, string doing, CancellationToken cancellationToken, Action<HttpResponseMessage>? seen = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            seen?.Invoke(response);
            if (response.Content.Headers.ContentLength > MaxReplyBytes)
            {
                return ([], new ScanFailure(ScanFailureKind.ProtocolError, $"rspamd at {Endpoint}: reply longer than {MaxReplyBytes} bytes"), clock.Elapsed);
            }
            var body = await ReadAsync(response.Content, deadline.Token).ConfigureAwait(false);
            if (body is null)
            {
                return ([], new ScanFailure(ScanFailureKind.ProtocolError, $"rspamd at {Endpoint}: reply longer than {MaxReplyBytes} bytes"), clock.Elapsed);
            }
            if (response.StatusCode != HttpStatusCode.OK)
            {
                // rspamd says why in JSON ({"error": "..."}); too large is its max_message, not temporary.
                var text = SpamdReply.Printable(body.AsSpan(0, Math.Min(body.Length, 300)));
                var kind = response.StatusCode == HttpStatusCode.RequestEntityTooLarge ? ScanFailureKind.TooLarge : ScanFailureKind.ProtocolError;
                return ([], new ScanFailure(kind, string.Create(CultureInfo.InvariantCulture, $"rspamd at {Endpoint} answered {(int)response.StatusCode} {response.ReasonPhrase}: {text}")), clock.Elapsed);
            }
            return (body, null, clock.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ([], new ScanFailure(ScanFailureKind.Timeout,
                string.Create(CultureInfo.InvariantCulture, $"rspamd at {Endpoint} did not answer within {_options.Timeout.TotalSeconds:0.###} s ({doing})")), clock.Elapsed);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            return ([], new ScanFailure(ScanFailureKind.Down, $"rspamd at {Endpoint} is not reachable: {e.Message}"), clock.Elapsed);
        }
        catch (HttpRequestException e)
        {
            return ([], new ScanFailure(ScanFailureKind.ProtocolError, $"rspamd at {Endpoint}: {e.Message}"), clock.Elapsed);
        }
        catch (IOException e)
        {
            return ([], new ScanFailure(ScanFailureKind.Down, $"rspamd at {Endpoint} lost the connection: {e.Message}"), clock.Elapsed);
        }
    }

    private static async Task<byte[]?> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var block = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(block, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxReplyBytes) return null;
            buffer.Write(block, 0, read);
        }
        return buffer.ToArray();
    }

    private static void AddHeader(HttpRequestMessage request, string name, string? value)
    {
        // A line break in an envelope value would inject a header; the SMTP layer never passes one, but say so here too.
        if (string.IsNullOrEmpty(value) || value.Any(char.IsControl)) return;
        request.Headers.TryAddWithoutValidation(name, value);
    }

    private SpamCheckResult Failed(ScanFailure failure)
    {
        ScanningLog.RspamdFailed(_logger, Endpoint, failure.Kind, failure.Detail);
        return SpamCheckResult.Failed(failure);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The message's stream, read by the request but closed by its owner.</summary>
    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
