import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Hummingbird's HTTP/1 connection handling, cancelled when the client goes away.
///
/// Hummingbird serves a connection's requests in the connection's task and cancels that task only at shutdown, so
/// a handler whose client disconnected ran on until it finished: a slow catalog query kept its database connection
/// (and, on SQLite, every other catalog request waiting) for up to the statement timeout. Here each connection runs
/// in a task of its own that is cancelled when the client closes its side or the channel closes, so the handler,
/// the statement under it and any outgoing call see cancellation within moments of the client leaving.
///
/// Hummingbird allows remote half-closure, so a client's `close()` would arrive as "input closed", not as a closed
/// channel, and only a handler that sees every read could tell. HTTP/1.1 clients do not half-close while waiting for a
/// response, so each connection turns half-closure off again: the end of the client's input closes the channel, as
/// nginx takes it for the client having gone (its 499), and the channel's close future says so without anything in
/// the read path. Measured (BENCHMARKS.md, section 11): a channel handler that watched for the end of input cost
/// 0.28 µs of server CPU per request.
///
/// It costs one task and one callback per connection, not per request: a keep-alive connection serves every
/// request in the same task.
struct DisconnectCancellingChannel: ServerChildChannel {
    /// The HTTP/1 channel's value and the connection's liveness.
    struct Value: ServerChildChannelValue {
        /// What Hummingbird's HTTP/1 channel handles.
        let http1: HTTP1Channel.Value
        /// Tells when the client went away.
        let liveness: ConnectionLiveness

        var channel: any Channel { http1.channel }
    }

    /// The connection handling being wrapped.
    let http1: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let liveness = ConnectionLiveness()
        channel.closeFuture.whenComplete { _ in liveness.depart() }
        let http1 = self.http1
        // Set after Hummingbird's child channel options, which allow half-closure.
        return channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: false).flatMap {
            http1.setup(channel: channel, logger: logger)
        }.map { Value(http1: $0, liveness: liveness) }
    }

    func handle(value: Value, logger: Logger) async {
        let http1 = self.http1
        let connection = Task { await http1.handle(value: value.http1, logger: logger) }
        value.liveness.onDeparture { connection.cancel() }
        await withTaskCancellationHandler {
            await connection.value
        } onCancel: {
            connection.cancel()
        }
    }
}

/// Whether a connection's client is still there; runs a callback once when it leaves.
final class ConnectionLiveness: Sendable {
    private enum State {
        case present(onDeparture: (@Sendable () -> Void)?)
        case departed
    }

    private let state = NIOLockedValueBox(State.present(onDeparture: nil))

    /// Runs `action` when the client leaves (at once if it already has).
    func onDeparture(_ action: @escaping @Sendable () -> Void) {
        let departed: Bool = state.withLockedValue { state in
            guard case .present = state else { return true }
            state = .present(onDeparture: action)
            return false
        }
        if departed { action() }
    }

    /// Records that the client left and runs the callback, once.
    func depart() {
        let action: (@Sendable () -> Void)? = state.withLockedValue { state in
            guard case .present(let action) = state else { return nil }
            state = .departed
            return action
        }
        action?()
    }
}
