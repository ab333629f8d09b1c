import BackendKit

/// One directed relation between two entities, as Backstage's `relations` table holds it: lower-cased full refs
/// (`component:default/payment-service ownedBy group:default/platform-team`).
struct EntityRelation: Sendable, Hashable {
    /// The lower-cased ref of the entity whose `relations` array lists this relation.
    let source: String
    /// The relation type, in Backstage's spelling (`ownedBy`).
    let type: String
    /// The lower-cased ref of the other end.
    let target: String

    /// The relations Backstage's built-in processor emits for `entity`, both directions of each: a field of one
    /// entity gives a relation on it and the inverse one on the entity it names.
    ///
    /// | kind | field | default kind | relation / inverse |
    /// |---|---|---|---|
    /// | any with `spec.owner` | `owner` | `Group` | `ownedBy` / `ownerOf` |
    /// | Component, API, Resource | `system` | `System` | `partOf` / `hasPart` |
    /// | Component | `subcomponentOf` | `Component` | `partOf` / `hasPart` |
    /// | Component | `providesApis`, `consumesApis` | `API` | `providesApi` / `apiProvidedBy`, `consumesApi` / `apiConsumedBy` |
    /// | Component, Resource | `dependsOn`, `dependencyOf` | none | `dependsOn` / `dependencyOf` and the reverse |
    /// | System | `domain` | `Domain` | `partOf` / `hasPart` |
    /// | Domain | `subdomainOf` | `Domain` | `partOf` / `hasPart` |
    /// | User | `memberOf` | `Group` | `memberOf` / `hasMember` |
    /// | Group | `parent`, `children`, `members` | `Group`, `Group`, `User` | `childOf` / `parentOf`, the reverse, `hasMember` / `memberOf` |
    ///
    /// A short ref takes the default kind and the entity's own namespace; a ref that names no kind where there is
    /// no default, and a value that is not a string, give no relation.
    static func emitted(by entity: Entity) -> [EntityRelation] {
        guard let spec = entity.document["spec"]?.objectValue else { return [] }
        let selfRef = entity.ref.key
        var relations: [EntityRelation] = []
        func emit(_ field: String, defaultKind: String?, _ outgoing: String, _ incoming: String) {
            let values: [JSONValue]
            switch spec[field] {
            case .array(let elements)?: values = elements
            case let value?: values = [value]
            case nil: values = []
            }
            for value in values {
                guard let text = value.stringValue,
                    let target = EntityRef.parse(
                        text, defaultKind: defaultKind, defaultNamespace: entity.ref.namespace)
                else { continue }
                relations.append(EntityRelation(source: selfRef, type: outgoing, target: target.key))
                relations.append(EntityRelation(source: target.key, type: incoming, target: selfRef))
            }
        }
        emit("owner", defaultKind: "Group", "ownedBy", "ownerOf")
        switch entity.ref.kind.lowercased() {
        case "component":
            emit("subcomponentOf", defaultKind: "Component", "partOf", "hasPart")
            emit("providesApis", defaultKind: "API", "providesApi", "apiProvidedBy")
            emit("consumesApis", defaultKind: "API", "consumesApi", "apiConsumedBy")
            emit("dependsOn", defaultKind: nil, "dependsOn", "dependencyOf")
            emit("dependencyOf", defaultKind: nil, "dependencyOf", "dependsOn")
            emit("system", defaultKind: "System", "partOf", "hasPart")
        case "api":
            emit("system", defaultKind: "System", "partOf", "hasPart")
        case "resource":
            emit("dependsOn", defaultKind: nil, "dependsOn", "dependencyOf")
            emit("dependencyOf", defaultKind: nil, "dependencyOf", "dependsOn")
            emit("system", defaultKind: "System", "partOf", "hasPart")
        case "system":
            emit("domain", defaultKind: "Domain", "partOf", "hasPart")
        case "domain":
            emit("subdomainOf", defaultKind: "Domain", "partOf", "hasPart")
        case "user":
            emit("memberOf", defaultKind: "Group", "memberOf", "hasMember")
        case "group":
            emit("parent", defaultKind: "Group", "childOf", "parentOf")
            emit("children", defaultKind: "Group", "parentOf", "childOf")
            emit("members", defaultKind: "User", "hasMember", "memberOf")
        default:
            break
        }
        var seen = Set<EntityRelation>()
        return relations.filter { seen.insert($0).inserted }
    }

    /// The `relations` array of an entity: its relations sorted by type, then target, without duplicates.
    static func array(_ relations: [(type: String, target: String)]) -> JSONValue {
        var seen = Set<String>()
        let sorted = relations.sorted { ($0.type, $0.target) < ($1.type, $1.target) }
            .filter { seen.insert("\($0.type)\u{0}\($0.target)").inserted }
        return .array(sorted.map { .object(["type": .string($0.type), "targetRef": .string($0.target)]) })
    }
}
