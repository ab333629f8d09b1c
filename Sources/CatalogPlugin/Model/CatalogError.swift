/// A failure of the catalog's domain logic, mapped to Backstage's error types by the routes.
enum CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request is malformed (400 `InputError`).
    case invalidInput(String)
    /// The entity already exists (409 `ConflictError`).
    case conflict(String)
    /// No such entity (404 `NotFoundError`).
    case notFound(String)

    /// The user-facing message.
    var description: String {
        switch self {
        case .invalidInput(let message), .conflict(let message), .notFound(let message): message
        }
    }

    /// `No entity named '<n>' found, with kind '<k>' in namespace '<ns>'`, Backstage's wording.
    static func entityNotFound(_ ref: EntityRef) -> CatalogError {
        .notFound("No entity named '\(ref.name)' found, with kind '\(ref.kind)' in namespace '\(ref.namespace)'")
    }

    /// `No entity with uid <uid>`, Backstage's wording.
    static func entityNotFound(uid: String) -> CatalogError {
        .notFound("No entity with uid \(uid)")
    }

    /// `Entity 'component:default/x' already exists`.
    static func entityExists(_ ref: EntityRef) -> CatalogError {
        .conflict("Entity '\(ref)' already exists")
    }
}
