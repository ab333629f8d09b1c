import BackendJSON
import BackendKit

/// Several deployments in one test, each a ``TestBackend`` with its own config, keys and databases, wired together
/// as a split production deployment is: `discovery.endpoints` sends each deployment's calls to the plugins of the
/// others, and each trusts the others' keys as `legacy` `backend.auth.externalAccess` entries whose subject is the
/// calling deployment's name.
///
/// The hosts run in process; because `env.client` calls plugins over HTTP, the topology listens on one loopback
/// port (127.0.0.1, a free one) that forwards `/<deployment>/…` to that deployment's router. A plugin of one
/// deployment therefore reaches the plugins of every deployment, its own included.
///
/// ```swift
/// let topology = TestTopology([
///     "catalog": TestBackend(plugins: [catalogStandIn]),
///     "hello": TestBackend(plugins: [HelloPlugin()]),
/// ])
/// try await topology.test { deployments in
///     let hello = try #require(deployments["hello"])
///     let response = try await hello.get("/api/hello/greetings/for/jdoe", as: .backend)
/// }
/// ```
public struct TestTopology: Sendable {
    /// The deployments, by name, started in this order.
    public let deployments: [(name: String, backend: TestBackend)]

    /// A topology of `deployments` (names are path segments: letters, digits, `-`, `_`, `.`).
    public init(_ deployments: KeyValuePairs<String, TestBackend>) {
        self.deployments = deployments.map { ($0.key, $0.value) }
    }

    /// Starts every deployment, runs `body` with a client of each by name, then shuts them all down and drops
    /// their databases (whether `body` passed or threw).
    ///
    /// - Throws: ``DuplicateDeploymentError``; what ``TestBackend/test(_:engine:isolation:_:)`` throws.
    public func test<Result>(
        engine: TestDatabaseEngine = .sqlite,
        isolation: isolated (any Actor)? = #isolation,
        _ body: ([String: BackendTestClient]) async throws -> Result
    ) async throws -> Result {
        let names = deployments.map(\.name)
        if let repeated = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw DuplicateDeploymentError(name: repeated)
        }
        var credentials = try deployments.map { try TestCredentials(callers: $0.backend.callers) }
        let secrets = Dictionary(uniqueKeysWithValues: zip(names, credentials.map(\.hostSecret)))
        for index in credentials.indices { credentials[index].peerSecrets = secrets }
        let door = FrontDoor()
        return try await door.withListener { baseURL in
            let wirings = deployments.indices.map { index in
                TopologyWiring(
                    door: door, name: names[index],
                    endpoints: deployments.map { deployment in
                        [
                            "target": .string("\(baseURL)/\(deployment.name)/api/{{pluginId}}"),
                            "plugins": .array(deployment.backend.plugins.map { .string($0.id) }),
                        ]
                    },
                    trusted: deployments.indices.filter { $0 != index }.map { other in
                        [
                            "type": "legacy",
                            "options": [
                                "secret": .string(credentials[other].hostSecret), "subject": .string(names[other]),
                            ],
                        ]
                    })
            }
            return try await start(0, engine: engine, credentials: credentials, wirings: wirings, clients: [:], body)
        }
    }

    /// Starts deployment `index` and, inside it, the next ones; runs `body` once all have started.
    private func start<Result>(
        _ index: Int, engine: TestDatabaseEngine, credentials: [TestCredentials], wirings: [TopologyWiring],
        clients: [String: BackendTestClient],
        isolation: isolated (any Actor)? = #isolation,
        _ body: ([String: BackendTestClient]) async throws -> Result
    ) async throws -> Result {
        guard index < deployments.count else { return try await body(clients) }
        return try await deployments[index].backend.withHost(
            .router, engine: engine, credentials: credentials[index], wiring: wirings[index]
        ) { client in
            var clients = clients
            clients[deployments[index].name] = client
            return try await start(
                index + 1, engine: engine, credentials: credentials, wirings: wirings, clients: clients, body)
        }
    }
}

/// How one deployment of a topology is wired to the others.
struct TopologyWiring: Sendable {
    /// The loopback listener that forwards to the deployments.
    let door: FrontDoor
    /// The deployment's name (its path segment on the door).
    let name: String
    /// `discovery.endpoints` entries for every deployment's plugins.
    let endpoints: [JSONValue]
    /// `backend.auth.externalAccess` entries trusting the other deployments.
    let trusted: [JSONValue]
}

/// Two deployments of a topology have one name.
public struct DuplicateDeploymentError: Error, CustomStringConvertible {
    /// The name.
    public let name: String

    /// Names it.
    public var description: String { "More than one deployment of the test topology is named '\(name)'" }
}
