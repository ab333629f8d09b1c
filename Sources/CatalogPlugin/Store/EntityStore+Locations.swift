import BackendKit

/// The entities of locations registered through `POST /locations`: `location_key` `location:<id>`.
extension EntityStore {
    /// Adds the entities read from a registered location, all or none; returns them as stored. Throws
    /// `ConflictError` naming the first whose ref another entity already has.
    func addLocationEntities(_ entities: [Entity], locationKey: String) async throws -> [Entity] {
        let outcome = try await database.exclusiveTransaction(named: Self.writeLock) {
            db -> Result<([Entity], Set<String>), ConflictError> in
            for entity in entities where try await Self.row(db, ref: entity.ref) != nil {
                return .failure(CatalogError.entityExists(entity.ref))
            }
            var stored: [Entity] = []
            var peers = Set<String>()
            for entity in entities {
                let inserted = try await Self.insert(Self.source(entity, uid: nil), locationKey: locationKey, into: db)
                stored.append(inserted.stored)
                peers.formUnion(inserted.peers)
            }
            let touched = try await Self.restitch(peers, db)
            return .success((stored, touched.union(entities.map(\.ref.key))))
        }
        let (stored, touched) = try outcome.get()
        forget(touched)
        return stored
    }

    /// Removes the entities of a registered location, and the relations they gave others.
    func removeLocationEntities(locationKey: String) async throws {
        let touched = try await database.exclusiveTransaction(named: Self.writeLock) { db -> Set<String> in
            let keys = try await db.select().column("entity_ref").from("entities")
                .where("location_key", .equal, locationKey).all(decodingColumn: "entity_ref", as: String.self)
            var peers = Set<String>()
            for key in keys { peers.formUnion(try await Self.delete(key, db)) }
            return try await Self.restitch(peers.subtracting(keys), db).union(keys)
        }
        forget(touched)
    }
}
