import BackendKit
import ScaffolderActions

/// `catalog:fetch`: reads an entity from the catalog. Input `entityRef` (`kind:[namespace/]name`)
/// and `optional` (no failure when it does not exist); output `entity`.
struct CatalogFetchAction: TemplateAction {
    /// The catalog, reached with the scaffolder's service client.
    let catalog: any CatalogAPI
    let id = "catalog:fetch"
    /// Reading the catalog has no effect.
    let supportsDryRun = true
    let description = "Returns an entity from the software catalog by its reference."
    let inputSchema: JSONValue = .object([
        "type": .string("object"),
        "required": .array([.string("entityRef")]),
        "properties": .object([
            "entityRef": .object([
                "type": .string("string"), "description": .string("kind:[namespace/]name"),
            ]),
            "optional": .object([
                "type": .string("boolean"),
                "description": .string("Return no entity instead of failing when it does not exist"),
            ]),
        ]),
    ])
    let outputSchema: JSONValue = .object([
        "type": .string("object"),
        "properties": .object(["entity": .object(["type": .string("object")])]),
    ])

    func handle(_ context: ActionContext) async throws {
        let entityRef = try context.requiredString("entityRef")
        guard let colon = entityRef.firstIndex(of: ":") else {
            throw ActionError("Input 'entityRef' must look like kind:[namespace/]name, got '\(entityRef)'")
        }
        let kind = String(entityRef[..<colon])
        var rest = entityRef[entityRef.index(after: colon)...]
        var namespace = "default"
        if let slash = rest.firstIndex(of: "/") {
            namespace = String(rest[..<slash])
            rest = rest[rest.index(after: slash)...]
        }
        guard !kind.isEmpty, !namespace.isEmpty, !rest.isEmpty else {
            throw ActionError("Input 'entityRef' must look like kind:[namespace/]name, got '\(entityRef)'")
        }
        if let entity = try await catalog.entity(kind: kind, namespace: namespace, name: String(rest)) {
            context.output("entity", entity)
            return
        }
        if context.input["optional"] == .bool(true) {
            return
        }
        throw ActionError("Entity \(entityRef) was not found in the catalog")
    }
}
