import BackendKit

/// A reference to a `Template` entity: `template:default/create-service`, `default/x` or `x`.
struct TemplateRef: Sendable, Hashable, CustomStringConvertible {
    /// The namespace (`default` when omitted).
    let namespace: String
    /// The template's name.
    let name: String

    /// Creates a ref.
    init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// Parses `[kind:][namespace/]name` with kind `template` (case-insensitive) as the default and
    /// the only kind allowed.
    static func parse(_ text: String) throws(InputError) -> TemplateRef {
        var rest = Substring(text)
        if let colon = rest.firstIndex(of: ":") {
            let kind = rest[..<colon]
            guard kind.lowercased() == "template" else {
                throw InputError("Invalid templateRef '\(text)': the entity kind must be 'template', got '\(kind)'")
            }
            rest = rest[rest.index(after: colon)...]
        }
        var namespace = "default"
        if let slash = rest.firstIndex(of: "/") {
            namespace = String(rest[..<slash])
            rest = rest[rest.index(after: slash)...]
        }
        guard !namespace.isEmpty, !rest.isEmpty, !rest.contains("/"), !rest.contains(":") else {
            throw InputError(
                "Invalid templateRef '\(text)': expected [template:][<namespace>/]<name>, "
                    + "for example 'template:default/create-service'")
        }
        return TemplateRef(namespace: namespace, name: String(rest))
    }

    /// `template:<namespace>/<name>`.
    var description: String {
        "template:\(namespace)/\(name)"
    }
}
