import BackendKit
import ScaffolderActions

/// `catalog:register`: adds the `entity` input to the catalog with `POST /entities`.
///
/// Backstage's action of the same name registers a `catalogInfoUrl`; this one takes the entity
/// itself, since the sample has no repositories to read from. Output: `entityRef`. Not in a dry run, which
/// registers nothing.
struct CatalogRegisterAction: TemplateAction {
    /// The catalog, reached with the scaffolder's service client.
    let catalog: any CatalogAPI
    let id = "catalog:register"
    let description = "Registers an entity in the software catalog."
    let inputSchema: JSONValue = .object([
        "type": .string("object"),
        "required": .array([.string("entity")]),
        "properties": .object([
            "entity": .object([
                "type": .string("object"),
                "title": .string("Entity"),
                "description": .string("The entity to register (apiVersion, kind, metadata, spec)"),
            ])
        ]),
    ])
    let outputSchema: JSONValue = .object([
        "type": .string("object"),
        "properties": .object([
            "entityRef": .object([
                "type": .string("string"),
                "description": .string("The registered entity, as kind:namespace/name"),
            ])
        ]),
    ])

    func handle(_ context: ActionContext) async throws {
        guard let entity = context.input["entity"], entity.objectValue != nil else {
            throw ActionError("Input 'entity' is required and must be an object")
        }
        let stored = try await catalog.register(entity)
        let kind = (stored["kind"] ?? entity["kind"])?.stringValue ?? "unknown"
        let metadata = stored["metadata"] ?? entity["metadata"]
        let namespace = metadata?["namespace"]?.stringValue ?? "default"
        let name = metadata?["name"]?.stringValue ?? "unknown"
        let entityRef = "\(kind.lowercased()):\(namespace)/\(name)"
        await context.log("Registered \(entityRef) in the catalog")
        context.output("entityRef", .string(entityRef))
    }
}
