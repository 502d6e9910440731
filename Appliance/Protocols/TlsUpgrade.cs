using System.IO.Pipelines;
using System.Net.Security;

namespace Appliance.Protocols;

/// <summary>The connection after STARTTLS (SMTP), STLS (POP3) or STARTTLS (IMAP): the TLS stream and pipes over it.</summary>
public sealed record TlsConnection(SslStream Stream, PipeReader Input, PipeWriter Output);

/// <summary>Turns a plain connection into a TLS one, server side, with the appliance's certificate.</summary>
public static class TlsUpgrade
{
    /// <param name="timeout">How long the client may take over the handshake.</param>
    public static async Task<TlsConnection> StartAsync(IDuplexPipe transport, SslStreamCertificateContext certificate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var tls = new SslStream(new DuplexPipeStream(transport.Input, transport.Output), leaveInnerStreamOpen: false);
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            handshake.CancelAfter(timeout);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificate,
                ClientCertificateRequired = false,
            }, handshake.Token).ConfigureAwait(false);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new TlsConnection(tls,
            PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true)));
    }
}
