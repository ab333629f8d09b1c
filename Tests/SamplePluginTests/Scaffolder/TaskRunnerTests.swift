import AsyncHTTPClient
import BackendDatabase
import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import ScaffolderActions
import Testing

@testable import ScaffolderPlugin

/// A service client for actions that call no plugin here (discovery finds none; nothing is sent).
enum ScaffolderTestClient {
    static let client = ServiceClient(
        httpClient: .shared, discovery: HostDiscovery(listen: ListenAddress(host: "127.0.0.1", port: 1)),
        tokenManager: NoopTokenManager(), configuration: ServiceClientConfiguration(), logger: TestDatabases.logger)
}

/// A catalog double recording registrations.
private actor FakeCatalog: CatalogAPI {
    enum Mode { case accept, reject, hang }
    let mode: Mode
    private(set) var registered: [JSONValue] = []

    init(_ mode: Mode) { self.mode = mode }

    func entity(kind: String, namespace: String, name: String) async throws -> JSONValue? { nil }

    func register(_ entity: JSONValue) async throws -> JSONValue {
        switch mode {
        case .accept:
            registered.append(entity)
            return entity
        case .reject:
            throw CatalogCallError(
                "The catalog rejected the request POST http://x/entities (409 ConflictError: Entity 'component:default/svc' already exists)"
            )
        case .hang:
            try await Task.sleep(for: .seconds(30))
            return entity
        }
    }
}

@Suite("Task runner")
struct TaskRunnerTests {
    /// Creates a task in a fresh database of `engine`, runs it, and reads it back through a second store on the
    /// same database (as a restarted process would).
    private func run(
        _ catalog: FakeCatalog, timeout: Duration = .seconds(5), engine: Engine = .sqlite
    ) async throws -> ScaffolderTask {
        try await TestDatabases.with(engine, pluginId: "scaffolder") { database, config in
            let store = TaskStore(database: database)
            try await store.migrate()
            let template = try TemplateTests.template()
            let task = try await store.create(
                template: template,
                values: ["name": .string("svc"), "owner": .string("team"), "type": .string("service")])
            #expect(task.status == .open)
            #expect(try await store.claimNext() == task.id)
            #expect(try await store.claimNext() == nil)
            let steps = StepExecutor(
                actions: try ActionRegistry(builtIn: ActionRegistry.builtIn(catalog: catalog)),
                client: ScaffolderTestClient.client, logger: TestDatabases.logger,
                maxStepInputBytes: store.limits.maxStepInputBytes)
            let runner = TaskRunner(store: store, steps: steps, timeout: timeout, onLog: { _, _ in })
            await runner.run(task.id)
            let ran = try #require(try await store.task(task.id))
            let reopened = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: "scaffolder"), logger: TestDatabases.logger)
            let restarted = try #require(try await TaskStore(database: reopened).task(task.id))
            await reopened.shutdown()
            #expect(restarted == ran)
            return ran
        }
    }

    @Test(
        "a task runs its steps, renders the entity and the output, and logs with timestamps",
        arguments: Engine.allCases)
    func completes(_ engine: Engine) async throws {
        let catalog = FakeCatalog(.accept)
        let task = try await run(catalog, engine: engine)
        #expect(task.status == .completed)
        #expect(task.steps.map(\.status) == [.completed])
        #expect(task.steps[0].startedAt != nil && task.steps[0].endedAt != nil)
        #expect(task.log.map(\.message).contains("Registered component:default/svc in the catalog"))
        #expect(task.log.allSatisfy { $0.createdAt.hasSuffix("Z") })
        #expect(task.output?["links"]?.arrayValue?.first?["entityRef"] == .string("component:default/svc"))
        #expect(task.output?["text"] == .string("made component:default/svc!"))
        let registered = await catalog.registered
        #expect(registered.first?["spec"]?["owner"] == .string("team"))
        #expect(registered.first?["spec"]?["replicas"] == .string(""))
    }

    @Test("a catalog rejection fails the task with the catalog's reason")
    func rejected() async throws {
        let task = try await run(FakeCatalog(.reject))
        #expect(task.status == .failed)
        #expect(task.steps.map(\.status) == [.failed])
        #expect(task.error?.name == "CatalogError")
        #expect(
            task.error?.message
                == "Step 'Register' failed: The catalog rejected the request POST http://x/entities (409 ConflictError: Entity 'component:default/svc' already exists)"
        )
        #expect(task.log.last?.level == "error")
        #expect(task.completedAt != nil)
    }

    /// The fake catalog never answers: without the timeout this test would hang until its time limit.
    @Test("a task that outlasts the timeout fails instead of hanging", .timeLimit(.minutes(1)))
    func timesOut() async throws {
        let task = try await run(FakeCatalog(.hang), timeout: .milliseconds(300))
        #expect(task.status == .failed)
        #expect(
            task.error == ScaffolderTask.Failure(name: "TimeoutError", message: "Task timed out after 300 milliseconds")
        )
        #expect(task.steps.map(\.status) == [.failed])
    }
}

@Suite("debug:wait")
struct DebugWaitTests {
    private func wait(_ input: JSONObject) async throws {
        let context = ActionContext(
            taskId: "t", stepId: "s", input: input, workspace: FileManager.default.temporaryDirectory,
            logger: TestDatabases.logger, client: ScaffolderTestClient.client, log: { _ in })
        try await DebugWaitAction().handle(context)
    }

    /// Found by hand while fuzzing the scaffolder's routes: a template registered through `POST /entities` with a
    /// `debug:wait` of 1e300 ms made `Duration.milliseconds(_:)` trap, which killed the whole backend.
    @Test("waits that cannot be represented or exceed a day fail the step instead of the process")
    func hugeWaits() async throws {
        for input: JSONObject in [
            ["milliseconds": .double(1e300)], ["minutes": .int(Int.max)], ["seconds": .double(86_400.5)],
        ] {
            await #expect(throws: ActionError.self) { try await self.wait(input) }
        }
        try await wait(["milliseconds": .int(1)])
    }
}
