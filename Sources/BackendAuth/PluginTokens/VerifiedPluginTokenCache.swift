import NIOConcurrencyHelpers

/// Plugin tokens that passed verification, by their exact text, until their `exp`: a reused token costs a
/// dictionary lookup instead of an ECDSA verification.
///
/// Bounded: when ``capacity`` entries are held, expired ones are dropped first, then the oldest half. Only
/// verified tokens enter, so a caller cannot fill it without valid signatures.
final class VerifiedPluginTokenCache: Sendable {
    /// The default bound.
    static let defaultCapacity = 10_000

    private struct State {
        var entries: [String: (token: VerifiedPluginToken, order: Int)] = [:]
        var next = 0
    }

    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int = defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// The cached claims of `token` while it has not expired at `now`.
    func lookup(_ token: String, now: Double) -> VerifiedPluginToken? {
        state.withLockedValue { state in
            guard let entry = state.entries[token] else { return nil }
            guard entry.token.expiresAt > now else {
                state.entries[token] = nil
                return nil
            }
            return entry.token
        }
    }

    /// Remembers a verified token.
    func insert(_ token: String, _ verified: VerifiedPluginToken, now: Double) {
        state.withLockedValue { state in
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.token.expiresAt > now }
            }
            if state.entries.count >= capacity {
                let cut = state.entries.values.map(\.order).sorted()[state.entries.count / 2]
                state.entries = state.entries.filter { $0.value.order >= cut }
            }
            state.entries[token] = (verified, state.next)
            state.next += 1
        }
    }

    /// How many tokens are held.
    var count: Int { state.withLockedValue { $0.entries.count } }
}
