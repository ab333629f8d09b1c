/// Who a test request comes from: the credentials the test host's client sends, each a real token that the host
/// verifies on its normal path (the route guard answers 401 and 403 exactly as it will in production).
///
/// ```swift
/// let backend = TestBackend(plugins: [HelloPlugin()], callers: [.service("ci-bot", token: .staticToken)])
/// try await backend.test { client in
///     #expect(try await client.get("/api/hello/whoami").status == .unauthorized)
///     #expect(try await client.get("/api/hello/whoami", as: .service("ci-bot", token: .staticToken)).status == .ok)
/// }
/// ```
///
/// A ``service(_:token:restrictedTo:)`` caller needs an entry in `backend.auth.externalAccess` and a ``plugin(_:)``
/// caller a discovery entry, so the host must know them before it starts: list them in ``TestBackend/callers``. The
/// others need no declaration.
public struct TestCaller: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case none
        case backend
        case service(subject: String, token: TestTokenKind, restrictedTo: [String]?)
        case expired
        case malformed
        case foreignKey
        case deployment(String)
        case plugin(String)
    }

    let kind: Kind

    /// No `Authorization` header: `.anonymous` on a public route, 401 on a guarded one.
    public static let none = TestCaller(kind: .none)

    /// A legacy server token signed with the host's own key (`backend.auth.keys`), as another plugin of the same
    /// deployment sends: subject `external:backstage-plugin`.
    public static let backend = TestCaller(kind: .backend)

    /// A server token of the host's own key whose `exp` has passed: 401.
    public static let expired = TestCaller(kind: .expired)

    /// A bearer token that is not a token at all (`not-a-token`): 401.
    public static let malformed = TestCaller(kind: .malformed)

    /// A well-formed server token signed with a key the host does not have: 401.
    public static let foreignKey = TestCaller(kind: .foreignKey)

    /// In a ``TestTopology``, a server token of deployment `name`'s own key, as that deployment's plugins send to
    /// the others: the others see subject `name`, `name` itself `external:backstage-plugin`.
    public static func deployment(_ name: String) -> TestCaller {
        TestCaller(kind: .deployment(name))
    }

    /// A plugin token of plugin `pluginId`, a plugin the test host does not run: ES256, `typ` `vnd.backstage.plugin`,
    /// the target plugin (from the request path) as audience, signed by a key whose key set the kit serves on a
    /// loopback port of its own, where the host's discovery finds it. The host sees `plugin:<pluginId>`, and applies
    /// `backend.auth.pluginAccess` to it. List it in ``TestBackend/callers``.
    public static func plugin(_ pluginId: String) -> TestCaller {
        TestCaller(kind: .plugin(pluginId))
    }

    /// A caller with a subject of its own, from a `backend.auth.externalAccess` entry the test host adds.
    ///
    /// - Parameters:
    ///   - subject: The subject: `context.caller.subject` and the `subject` of request log lines. A ``TestTokenKind/jwks``
    ///     caller's subject is `external:<subject>`, as for any JWKS entry without a `subjectPrefix`.
    ///   - token: The kind of entry and token.
    ///   - restrictedTo: The entry's `accessRestrictions`: the plugins whose guarded routes it may call (403 on the
    ///     others); `nil` for every plugin.
    public static func service(
        _ subject: String, token: TestTokenKind = .legacy, restrictedTo plugins: [String]? = nil
    ) -> TestCaller {
        TestCaller(kind: .service(subject: subject, token: token, restrictedTo: plugins))
    }

    /// For test output: `none`, `backend`, `service(ci-bot, static, restricted to hello)`, ….
    public var description: String {
        switch kind {
        case .none: "none"
        case .backend: "backend"
        case .expired: "expired"
        case .malformed: "malformed"
        case .foreignKey: "foreignKey"
        case .deployment(let name): "deployment(\(name))"
        case .plugin(let id): "plugin(\(id))"
        case .service(let subject, let token, let plugins):
            "service(\(subject), \(token)\(plugins.map { ", restricted to \($0.joined(separator: ", "))" } ?? ""))"
        }
    }
}

/// The kind of `backend.auth.externalAccess` entry a ``TestCaller/service(_:token:restrictedTo:)`` caller has.
public enum TestTokenKind: String, Sendable, Hashable, CustomStringConvertible {
    /// A `legacy` entry: an HS256 server token signed with a secret of the caller's own.
    case legacy
    /// A `static` entry: a fixed random token.
    case staticToken = "static"
    /// A `jwks` entry: an ES256 JWT whose key set the kit serves on a loopback port of its own (only while a test
    /// with such a caller runs).
    case jwks

    /// `legacy`, `static` or `jwks`, as the entry's `type`.
    public var description: String { rawValue }
}
