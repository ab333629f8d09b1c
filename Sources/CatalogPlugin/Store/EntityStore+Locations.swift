import BackendKit

/// The entities of locations: those of `catalog.locations`, replaced at every startup, and those of locations
/// registered through `POST /locations` (`location_key` `location:<id>`), added and removed with their location.
///
/// Each is one exclusive transaction, all or nothing, however many entities it writes: the rows go in a thousand
/// entities' worth per statement (``EntityRows``), so a first load of 100,000 entities takes seconds, not minutes
/// (BENCHMARKS.md, "Bulk loads").
extension EntityStore {
    /// Makes the entities of configured locations what `entities` says, keeping each one's `metadata.uid` across
    /// restarts: new ones are added, changed ones replaced, and ones a location no longer declares removed.
    /// Entities registered through the API are kept, unless a location now declares the same ref.
    func replaceLocationEntities(_ entities: [(entity: Entity, locationKey: String)]) async throws {
        // Exclusive: replicas starting together would otherwise insert the same location entities at once.
        let changed = try await database.exclusiveTransaction(named: Self.writeLock) { db -> Bool in
            // One read of what the locations stored last time; an entity that has not changed is not rewritten,
            // so a restart with a large catalog costs a read, not a rewrite.
            let previous = try await EntityRows.configuredLocationRows(db)
            // A ref declared twice is written once, as its last declaration (as writing them in turn would leave it).
            let keys = entities.map(\.entity.ref.key)
            var last = [String: Int](minimumCapacity: keys.count)
            for (index, key) in keys.enumerated() { last[key] = index }
            let declared =
                last.count == keys.count ? entities : keys.indices.filter { last[keys[$0]] == $0 }.map { entities[$0] }
            // Another entity with a declared ref (registered through the API or a location) is replaced, keeping its
            // uid.
            let others = try await EntityRows.uids(
                of: declared.map(\.entity.ref.key).filter { previous[$0] == nil }, db)
            var replaced: [String] = []
            var writes: [EntityRows.Write] = []
            // Each entity's uid, and whether it is what was stored: per entity, so on every core at once. Only an
            // entity a location stored before needs its source body now; the others' are made as they are written.
            let checked = await declared.concurrentMap { entity, locationKey -> (EntityRows.Write, Bool) in
                let key = entity.ref.key
                let old = previous[key]
                let write = EntityRows.Write(
                    entity: entity, uid: EntityRows.uid(of: entity, keeping: old?.uid ?? others[key]),
                    locationKey: locationKey)
                guard let old, old.locationKey == locationKey else { return (write, false) }
                let source = EntityRows.source(entity, uid: write.uid)
                return (write, old.sourceBody == source.document.jsonText(options: .sortedKeys))
            }
            for (write, unchanged) in checked where !unchanged {
                let key = write.entity.ref.key
                if previous[key] != nil || others[key] != nil { replaced.append(key) }
                writes.append(write)
            }
            let dropped = previous.keys.filter { last[$0] == nil }
            var peers = try await EntityRows.delete(replaced + dropped, db)
            peers.formUnion(try await EntityRows.insert(writes, into: db, dialect: database.dialect).peers)
            try await RelationStitcher.restitch(peers, db)
            return !dropped.isEmpty || !writes.isEmpty
        }
        cache?.clear()
        if changed {
            // Fresh statistics after a bulk load: without them PostgreSQL guesses a handful of rows per key and
            // scans where it should look up (BENCHMARKS.md, "Durable state"). One session per table, so PostgreSQL
            // analyzes them at once (SQLite's one connection takes them in turn).
            let database = self.database
            try await withThrowingTaskGroup(of: Void.self) { analyzing in
                for table in ["entities", "search", "relations"] {
                    analyzing.addTask {
                        try await database.withSession { db in try await db.raw("ANALYZE \(ident: table)").run() }
                    }
                }
                try await analyzing.waitForAll()
            }
        }
    }

    /// Adds the entities read from a registered location, all or none; returns them as stored. Throws
    /// `ConflictError` naming the first whose ref another entity already has.
    func addLocationEntities(_ entities: [Entity], locationKey: String) async throws -> [Entity] {
        let outcome = try await database.exclusiveTransaction(named: Self.writeLock) {
            db -> Result<([Entity], Set<String>), ConflictError> in
            let keys = entities.map(\.ref.key)
            let existing = try await EntityRows.uids(of: keys, db)
            if let taken = entities.first(where: { existing[$0.ref.key] != nil }) {
                return .failure(CatalogError.entityExists(taken.ref))
            }
            let writes = entities.map {
                EntityRows.Write(entity: $0, uid: EntityRows.uid(of: $0, keeping: nil), locationKey: locationKey)
            }
            let inserted = try await EntityRows.insert(writes, into: db, dialect: database.dialect)
            let touched = try await RelationStitcher.restitch(inserted.peers, db)
            return .success((inserted.stored, touched.union(keys)))
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
            let peers = try await EntityRows.delete(keys, db)
            return try await RelationStitcher.restitch(peers.subtracting(keys), db).union(keys)
        }
        forget(touched)
    }
}
