import BackendKit

/// A validated catalog entity: its JSON document plus its identity.
struct Entity: Sendable, Equatable {
    /// The whole document, with `metadata.namespace` filled in.
    let document: JSONValue
    /// The identity taken from `kind`, `metadata.namespace` and `metadata.name`.
    let ref: EntityRef

    /// Wraps a document that `EntityValidator` accepted.
    init(document: JSONValue, ref: EntityRef) {
        self.document = document
        self.ref = ref
    }
}
