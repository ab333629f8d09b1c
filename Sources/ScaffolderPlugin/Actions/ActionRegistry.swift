import BackendKit
import ScaffolderActions

/// The actions steps can use, by id: the built-in ones and those other plugins contributed to
/// ``ScaffolderExtensionPoints/actions``.
struct ActionRegistry: Sendable {
    /// The registrant of the built-in actions, as a duplicate-id error names it.
    static let builtInRegistrant = "scaffolder (built-in)"

    private let actions: [String: any TemplateAction]

    /// The built-in actions (`catalog:register`, `catalog:fetch`, `debug:log`, `debug:wait`), with `catalog` for the
    /// catalog ones.
    static func builtIn(catalog: any CatalogAPI) -> [any TemplateAction] {
        [
            CatalogRegisterAction(catalog: catalog), CatalogFetchAction(catalog: catalog), DebugLogAction(),
            DebugWaitAction(),
        ]
    }

    /// The built-in actions and the contributed ones.
    ///
    /// - Throws: ``DuplicateActionError`` naming both registrants when an id is used twice.
    init(
        builtIn: [any TemplateAction], contributions: [ExtensionContribution<any TemplateAction>] = []
    )
        throws(DuplicateActionError)
    {
        var byId: [String: (registrant: String, action: any TemplateAction)] = [:]
        let all =
            builtIn.map { (registrant: Self.builtInRegistrant, action: $0) }
            + contributions.map { (registrant: "plugin '\($0.registrant)'", action: $0.value) }
        for entry in all {
            if let first = byId[entry.action.id] {
                throw DuplicateActionError(id: entry.action.id, first: first.registrant, second: entry.registrant)
            }
            byId[entry.action.id] = entry
        }
        actions = byId.mapValues(\.action)
    }

    /// The action with this id.
    func action(_ id: String) -> (any TemplateAction)? {
        actions[id]
    }

    /// Every action, sorted by id.
    var all: [any TemplateAction] {
        actions.keys.sorted().compactMap { actions[$0] }
    }

    /// `GET /v2/actions`: `[{id, description, examples?, schema: {input, output}}]`, sorted by id.
    var listing: JSONValue {
        .array(
            all.map { action in
                var entry: JSONObject = ["id": .string(action.id), "description": .string(action.description)]
                if !action.examples.isEmpty {
                    entry["examples"] = .array(
                        action.examples.map {
                            ["description": .string($0.description), "example": .string($0.example)]
                        })
                }
                entry["schema"] = ["input": action.inputSchema, "output": action.outputSchema]
                return .object(entry)
            })
    }
}

/// Two registrants offered an action with the same id; startup fails rather than let one silently win.
struct DuplicateActionError: MessageError {
    /// `Scaffolder action 'debug:log' is registered twice: by scaffolder (built-in) and by plugin 'hello'`.
    let message: String

    /// An error with `message`.
    init(_ message: String) {
        self.message = message
    }

    /// Names the id and both registrants.
    init(id: String, first: String, second: String) {
        self.init("Scaffolder action '\(id)' is registered twice: by \(first) and by \(second)")
    }
}
