import BackendKit
import Foundation

/// `GET /entities/by-name/:kind/:namespace/:name/ancestry`: the entity and the Location entities that led to it.
///
/// An entity's parent is the Location entity whose `spec.target`/`spec.targets` (resolved against that Location's
/// own file, a `*`/`?` pattern matching) name the file in the entity's `backstage.io/managed-by-location`, as the
/// loader followed it. Entities of a `catalog.locations` file or registered through the API have none.
extension CatalogRoutes {
    /// Adds the route.
    func addAncestryRoute(to routes: PluginRoutes) {
        routes.get("/entities/by-name/:kind/:namespace/:name/ancestry") { _, context in
            try await ancestry(try Self.ref(context))
        }
    }

    /// `{"rootEntityRef", "items": [{"entity", "parentEntityRefs"}, …]}`, the entity first, then its ancestors.
    func ancestry(_ ref: EntityRef) async throws -> JSONBody<JSONValue> {
        guard let root = try await store.entity(ref) else { throw NotFoundError("No such entity \(ref)") }
        let locationEntities = try await store.list(filter: try EntityFilter.parse(["kind=location"]))
        var items: [JSONValue] = []
        var seen: Set<EntityRef> = [root.ref]
        var todo = [root]
        while let current = todo.popLast() {
            let parents = locationEntities.filter { Self.names(current, from: $0) }
            for parent in parents where seen.insert(parent.ref).inserted {
                todo.append(parent)
            }
            items.append(
                .object([
                    "entity": current.document,
                    "parentEntityRefs": .array(parents.map { .string($0.ref.description) }),
                ]))
        }
        return JSONBody(.object(["rootEntityRef": .string(root.ref.description), "items": .array(items)]))
    }

    /// Whether the Location entity `location` names the file `entity` was read from.
    static func names(_ entity: Entity, from location: Entity) -> Bool {
        func file(_ entity: Entity) -> String? {
            guard
                let value = entity.document["metadata"]?["annotations"]?[LocationLoader.locationAnnotation]?
                    .stringValue, value.hasPrefix("file:")
            else { return nil }
            return String(value.dropFirst(5))
        }
        guard entity.ref != location.ref, let path = file(entity), let locationFile = file(location),
            let spec = location.document["spec"], (spec["type"]?.stringValue ?? "file") == "file"
        else { return false }
        let targets =
            [spec["target"]].compactMap { $0?.stringValue }
            + (spec["targets"]?.arrayValue ?? []).compactMap(\.stringValue)
        let directory = PathUtilities.directory(of: locationFile)
        return targets.contains { target in
            let resolved = PathUtilities.resolve(target, against: directory)
            guard PathUtilities.directory(of: resolved) == PathUtilities.directory(of: path) else { return false }
            return PathUtilities.matches(
                String(path.split(separator: "/").last ?? ""),
                pattern: String(resolved.split(separator: "/").last ?? ""))
        }
    }
}
