import BackendKit

/// The catalog's error messages, in Backstage's wording, as the toolkit's errors.
enum CatalogError {
    /// `No entity named '<n>' found, with kind '<k>' in namespace '<ns>'` (404).
    static func entityNotFound(_ ref: EntityRef) -> NotFoundError {
        NotFoundError("No entity named '\(ref.name)' found, with kind '\(ref.kind)' in namespace '\(ref.namespace)'")
    }

    /// `No entity with uid <uid>` (404).
    static func entityNotFound(uid: String) -> NotFoundError {
        NotFoundError("No entity with uid \(uid)")
    }

    /// `Entity 'component:default/x' already exists` (409).
    static func entityExists(_ ref: EntityRef) -> ConflictError {
        ConflictError("Entity '\(ref)' already exists")
    }

    /// `Entity '<ref>' comes from catalog.locations (<file>); change it there` (403): configured entities are the
    /// operator's.
    static func configuredEntity(_ ref: EntityRef, file: String) -> NotAllowedError {
        NotAllowedError("Entity '\(ref)' comes from catalog.locations (\(file)); change it there")
    }
}
