import BackendKit
import Foundation

/// The catalog's in-memory entity store: unique by case-insensitive ref, listed in ref order so
/// that `offset`/`limit` paging is stable.
actor EntityStore {
    private struct Stored {
        let entity: Entity
        let fields: EntitySearchFields
        /// The document as JSON, encoded once: reads serve these bytes instead of encoding the entity each time.
        let body: ByteBuffer
    }

    private var entities: [String: Stored] = [:]
    private var orderedKeys: [String] = []

    /// An empty store.
    init() {}

    /// The number of entities.
    var count: Int { entities.count }

    /// Adds a validated entity, giving it a `metadata.uid` if it has none, and returns what was
    /// stored; throws `ConflictError` if an entity with the same ref exists.
    @discardableResult
    func add(_ entity: Entity) throws(ConflictError) -> Entity {
        let key = entity.ref.key
        guard entities[key] == nil else { throw CatalogError.entityExists(entity.ref) }
        let stored = Self.withUID(entity)
        entities[key] = Stored(entity: stored, fields: EntitySearchFields(stored), body: stored.document.jsonBuffer)
        orderedKeys.insert(key, at: insertionIndex(for: key))
        return stored
    }

    /// The entity with this ref (case-insensitive), if any.
    func entity(_ ref: EntityRef) -> Entity? {
        entities[ref.key]?.entity
    }

    /// The JSON encoding of the entity with this ref (case-insensitive), if any.
    func encodedEntity(_ ref: EntityRef) -> ByteBuffer? {
        entities[ref.key]?.body
    }

    /// The entity whose `metadata.uid` is `uid`, if any.
    func entity(uid: String) -> Entity? {
        entities.values.first { $0.entity.document["metadata"]?["uid"]?.stringValue == uid }?.entity
    }

    /// Removes the entity with this ref; throws `NotFoundError` if there is none.
    func remove(_ ref: EntityRef) throws(NotFoundError) {
        let key = ref.key
        guard entities.removeValue(forKey: key) != nil else { throw CatalogError.entityNotFound(ref) }
        if let index = orderedKeys.firstIndex(of: key) {
            orderedKeys.remove(at: index)
        }
    }

    /// The entities matching `filter`, in ref order, skipping `offset` and returning at most
    /// `limit` (all when nil).
    func list(filter: EntityFilter, offset: Int = 0, limit: Int? = nil) -> [Entity] {
        matching(filter: filter, offset: offset, limit: limit).map(\.entity)
    }

    /// The same entities as ``list(filter:offset:limit:)`` as one JSON array, assembled from the bodies encoded
    /// when they were stored.
    func encodedList(filter: EntityFilter, offset: Int = 0, limit: Int? = nil) -> ByteBuffer {
        let bodies = matching(filter: filter, offset: offset, limit: limit).map(\.body)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bodies.reduce(2) { $0 + $1.readableBytes + 1 })
        buffer.writeInteger(UInt8(ascii: "["))
        for (index, body) in bodies.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeImmutableBuffer(body)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
        return buffer
    }

    private func matching(filter: EntityFilter, offset: Int, limit: Int?) -> [Stored] {
        var result: [Stored] = []
        var skipped = 0
        for key in orderedKeys {
            if let limit, result.count >= limit { break }
            guard let stored = entities[key], filter.matches(stored.fields) else { continue }
            if skipped < offset {
                skipped += 1
                continue
            }
            result.append(stored)
        }
        return result
    }

    private func insertionIndex(for key: String) -> Int {
        var low = 0
        var high = orderedKeys.count
        while low < high {
            let middle = (low + high) / 2
            if orderedKeys[middle] < key {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    private static func withUID(_ entity: Entity) -> Entity {
        guard case .object(var members) = entity.document, var metadata = members["metadata"]?.objectValue else {
            return entity
        }
        if metadata["uid"]?.stringValue == nil {
            metadata["uid"] = .string(UUID().uuidString.lowercased())
        }
        members["metadata"] = .object(metadata)
        return Entity(document: .object(members), ref: entity.ref)
    }
}
