import BackendDatabase
import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Testing

@testable import ScaffolderPlugin

/// `createdBy`: the subject of the caller that created a task, in the `created_by` column.
@Suite("Task creator")
struct TaskCreatorTests {
    @Test("createdBy is stored, kept through updates and read back by another store", arguments: Engine.allCases)
    func storedAndKept(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "scaffolder") { database, config in
            let store = TaskStore(database: database)
            try await store.migrate()
            let template = try TemplateTests.template()
            let values: JSONObject = ["name": .string("svc"), "owner": .string("team"), "type": .string("service")]
            let created = try await store.create(template: template, values: values, createdBy: "ci-bot")
            let anonymous = try await store.create(template: template, values: values)
            #expect(created.createdBy == "ci-bot")
            // Claimed (the oldest open task), then updated by its worker: createdBy stays.
            #expect(try await store.claimNext() == created.id)
            try await store.update(created.id) { $0.setStep("log", status: .processing) }
            let reopened = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: "scaffolder"), logger: TestDatabases.logger)
            let other = TaskStore(database: reopened)
            let read = try #require(try await other.task(created.id))
            let listed = try await other.list()
            await reopened.shutdown()
            #expect(read.createdBy == "ci-bot")
            #expect(read.status == .processing)
            #expect(listed.map(\.createdBy) == ["ci-bot", nil])
            #expect(try await store.task(anonymous.id)?.createdBy == nil)
        }
    }

    @Test("the task JSON has createdBy only when a verified caller created it")
    func encodedOnlyWhenKnown() throws {
        let template = try TemplateTests.template()
        func task(_ createdBy: String?) -> ScaffolderTask {
            ScaffolderTask(
                id: "1", templateRef: template.ref.description, values: [:], status: .open, createdAt: "t",
                lastHeartbeatAt: "t", completedAt: nil, steps: [], log: [], output: nil, error: nil,
                createdBy: createdBy)
        }
        let encoder = JSONEncoder()
        #expect(String(decoding: try encoder.encode(task("ci-bot")), as: UTF8.self).contains(#""createdBy":"ci-bot""#))
        #expect(!String(decoding: try encoder.encode(task(nil)), as: UTF8.self).contains("createdBy"))
    }
}
