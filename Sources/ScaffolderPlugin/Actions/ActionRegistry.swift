/// The actions steps can use, by id.
struct ActionRegistry: Sendable {
    private let actions: [String: any ScaffolderAction]

    /// The built-in actions: `catalog:register`, `catalog:fetch`, `debug:log`, `debug:wait`.
    static let builtIn = ActionRegistry([
        CatalogRegisterAction(), CatalogFetchAction(), DebugLogAction(), DebugWaitAction(),
    ])

    /// A registry of `actions` (a later duplicate id wins).
    init(_ actions: [any ScaffolderAction]) {
        var byId: [String: any ScaffolderAction] = [:]
        for action in actions {
            byId[action.id] = action
        }
        self.actions = byId
    }

    /// The action with this id.
    func action(_ id: String) -> (any ScaffolderAction)? {
        actions[id]
    }

    /// Every action, sorted by id.
    var all: [any ScaffolderAction] {
        actions.keys.sorted().compactMap { actions[$0] }
    }
}
