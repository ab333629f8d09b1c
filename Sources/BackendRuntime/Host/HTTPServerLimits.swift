import BackendConfig
import BackendKit
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Limits of the host's HTTP/1 server, chosen to match Node's HTTP server (which Backstage runs on).
enum HTTPServerLimits {
    /// The largest header section accepted, in bytes (Node's `--max-http-header-size` default, 16 KiB).
    /// Larger requests are answered `431 Request Header Fields Too Large` and the connection is closed.
    static let maxHeaderBytes = 16 * 1024
    /// The most header fields accepted in one request; more is answered with 431 too.
    static let maxHeaderFields = 1000
    /// A connection with no request in progress (including one that never sends anything, or stalls
    /// in the middle of its headers) is closed after this long.
    static let idleTimeout = TimeAmount.seconds(30)

    /// Hummingbird's HTTP/1 server with these limits, whose requests are cancelled when their client goes away
    /// (``DisconnectCancellingChannel``).
    static var serverBuilder: HTTPServerBuilder {
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [HeaderOverflowResponder()],
            idleTimeout: idleTimeout,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes,
                maxHeaderFieldCount: maxHeaderFields)
        )
        return HTTPServerBuilder { responder in
            DisconnectCancellingChannel(http1: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}

/// Answers a request whose headers exceed the decoder's limits with 431 (Hummingbird would answer a
/// generic 400 to every parse error) and closes the connection. Other errors pass through unchanged.
final class HeaderOverflowResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, parserError == .headerOverflow else {
            context.fireErrorCaught(error)
            return
        }
        var head = HTTPResponse(status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"))
        head.headerFields[.connection] = "close"
        head.headerFields[.contentLength] = "0"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }
}
