import BackendAuth
import BackendTestSupport
import Foundation
import Logging
import SQLKit
import Testing

@testable import BackendKit

/// The database plugin key store: Backstage's table in the plugin's database, on SQLite and PostgreSQL.
@Suite("Plugin public keys in the plugin's database")
struct DatabasePublicKeyStoreTests {
    static let logger = Logger(label: "keys")

    @Test(arguments: Engine.allCases)
    func keysAreCommittedListedAndExpired(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "scaffolder") { database, _ in
            let store = DatabasePublicKeyStore(database: database, logger: Self.logger)
            let now = 1_800_000_000.0
            let first = try PluginSigningKey.generate()
            let second = try PluginSigningKey.generate()
            try await store.addKey(first.publicKey, expiresAt: now + 10)
            try await store.addKey(second.publicKey, expiresAt: now + 3600)
            // The rows are Backstage's: the kid, the JWK as JSON text, expires_at as toISOString() writes it.
            let rows = try await database.withSession { db in
                try await db.select().columns("id", "key", "expires_at").from(DatabasePublicKeyStore.table)
                    .orderBy("expires_at").all()
            }
            #expect(try rows.map { try $0.decode(column: "id", as: String.self) } == [first.keyId, second.keyId])
            #expect(try rows[0].decode(column: "expires_at", as: String.self) == "2027-01-15T08:00:10.000Z")
            let json = try rows[0].decode(column: "key", as: String.self)
            #expect(try PluginPublicKey(jsonText: json).key.x == first.privateKey.publicKey.x)
            #expect(json.contains(#""kty":"EC""#) && json.contains(#""alg":"ES256""#) && !json.contains(#""d""#))
            // Another store on the same database (another replica) lists both.
            let replica = DatabasePublicKeyStore(database: database, logger: Self.logger)
            #expect(try await replica.listKeys(now: now).map(\.keyId) == [first.keyId, second.keyId])
            // Expired rows are left out and removed.
            #expect(try await replica.listKeys(now: now + 10).map(\.keyId) == [second.keyId])
            let left = try await database.withSession { db in
                try await db.select().column("id").from(DatabasePublicKeyStore.table).all()
            }
            #expect(left.count == 1)
        }
    }

    @Test(arguments: Engine.allCases)
    func aRotatingSourceCommitsItsKeyBeforeItSigns(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "scaffolder") { database, _ in
            let store = DatabasePublicKeyStore(database: database, logger: Self.logger)
            let source = RotatingPluginKeySource(store: store, keyDurationSeconds: 3600, logger: Self.logger)
            let key = try await source.signingKey()
            let stored = try await DatabasePublicKeyStore(database: database, logger: Self.logger)
                .listKeys(now: Date().timeIntervalSince1970)
            #expect(stored.map(\.keyId).contains(key.keyId))
            #expect(stored.count == 2)  // the next key is published ahead
        }
    }
}
