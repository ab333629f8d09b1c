import BackendKit

/// Checks an entity document the way Backstage's default entity policies do, and reports every
/// problem in one message.
///
/// Rules: `apiVersion` is `[<dns subdomain>/]<alphanumerics>`; `kind` is a letter followed by
/// letters and digits; `metadata.name` is sequences of `[a-zA-Z0-9]` separated by one of `-_.`;
/// `metadata.namespace` (default `default`) is a DNS label; all at most 63 characters (a group
/// at most 253). `metadata.labels`/`annotations` are string maps, `metadata.tags` a string list,
/// `spec` an object.
enum EntityValidator {
    /// The prefix of every validation message.
    static let messagePrefix = "Invalid entity: "

    /// Validates `document` and returns the entity with `metadata.namespace` filled in, or throws
    /// `InputError` naming every problem, joined with `; `.
    static func validate(_ document: JSONValue) throws(InputError) -> Entity {
        guard case .object(var members) = document else {
            throw InputError("\(messagePrefix)expected a JSON object, got \(document.typeName)")
        }
        var problems: [String] = []

        let apiVersion = requiredString(members["apiVersion"], field: "apiVersion", problems: &problems)
        if let apiVersion, !isValidAPIVersion(apiVersion) {
            problems.append(
                "'apiVersion' \(quoted(apiVersion)) is not valid; expected [<group>/]<version>, "
                    + "for example \"backstage.io/v1alpha1\"")
        }
        let kind = requiredString(members["kind"], field: "kind", problems: &problems)
        if let kind, !isValidKind(kind) {
            problems.append(
                "'kind' \(quoted(kind)) is not valid; expected a letter followed by letters and digits, "
                    + "at most 63 characters")
        }
        if let apiVersion, isValidAPIVersion(apiVersion), let kind,
            let expected = builtInAPIVersions[kind.lowercased()],
            !expected.contains(apiVersion)
        {
            problems.append(
                "'apiVersion' \(quoted(apiVersion)) is not valid for kind \(quoted(kind)); expected "
                    + expected.map(quoted).joined(separator: " or "))
        }

        var metadata: JSONObject = [:]
        var name: String?
        var namespace = EntityRef.defaultNamespace
        switch members["metadata"] {
        case nil, .null:
            problems.append("'metadata.name' is required")
        case .object(let object)?:
            metadata = object
            name = requiredString(object["name"], field: "metadata.name", problems: &problems)
            if let name, !isValidName(name) {
                problems.append(
                    "'metadata.name' \(quoted(name)) is not valid; expected sequences of [a-zA-Z0-9] "
                        + "separated by any of [-_.], at most 63 characters")
            }
            switch object["namespace"] {
            case nil, .null:
                break
            case .string(let value)?:
                namespace = value
                if !isValidNamespace(value) {
                    problems.append(
                        "'metadata.namespace' \(quoted(value)) is not valid; expected sequences of [a-z0-9] "
                            + "separated by [-], at most 63 characters")
                }
            case let other?:
                problems.append("'metadata.namespace' must be a string, got \(other.typeName)")
            }
            checkStringMap(object["labels"], field: "metadata.labels", problems: &problems)
            checkStringMap(object["annotations"], field: "metadata.annotations", problems: &problems)
            if let tags = object["tags"], tags != .null {
                if let elements = tags.arrayValue {
                    if elements.contains(where: { $0.stringValue == nil }) {
                        problems.append("'metadata.tags' must be an array of strings")
                    }
                } else {
                    problems.append("'metadata.tags' must be an array of strings, got \(tags.typeName)")
                }
            }
        case let other?:
            problems.append("'metadata' must be an object, got \(other.typeName)")
        }
        if let spec = members["spec"], spec != .null, spec.objectValue == nil {
            problems.append("'spec' must be an object, got \(spec.typeName)")
        }

        guard problems.isEmpty, let kind, let name else {
            throw InputError(messagePrefix + problems.joined(separator: "; "))
        }
        metadata["namespace"] = .string(namespace)
        members["metadata"] = .object(metadata)
        return Entity(document: .object(members), ref: EntityRef(kind: kind, namespace: namespace, name: name))
    }

    /// The `apiVersion`s Backstage's own kinds are defined under: an entity of one of these kinds with another
    /// version is not that kind (Backstage's kind processors would not handle it either).
    static let builtInAPIVersions: [String: [String]] = {
        let core = ["backstage.io/v1alpha1", "backstage.io/v1beta1"]
        var versions = Dictionary(
            uniqueKeysWithValues: ["component", "api", "resource", "system", "domain", "group", "user", "location"]
                .map { ($0, core) })
        versions["template"] = ["scaffolder.backstage.io/v1beta3"]
        return versions
    }()

    private static func requiredString(_ value: JSONValue?, field: String, problems: inout [String]) -> String? {
        switch value {
        case nil, .null:
            problems.append("'\(field)' is required")
            return nil
        case .string(let text)?:
            if text.isEmpty {
                problems.append("'\(field)' must not be empty")
                return nil
            }
            return text
        case let other?:
            problems.append("'\(field)' must be a string, got \(other.typeName)")
            return nil
        }
    }

    private static func checkStringMap(_ value: JSONValue?, field: String, problems: inout [String]) {
        guard let value, value != .null else { return }
        guard let object = value.objectValue else {
            problems.append("'\(field)' must be an object, got \(value.typeName)")
            return
        }
        for key in object.keys.sorted() where object[key]?.stringValue == nil {
            problems.append("'\(field).\(key)' must be a string")
        }
    }

    private static func quoted(_ text: String) -> String {
        "\"\(text)\""
    }

    private static func isAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber)
    }

    private static func isLowerAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isNumber || (character.isLetter && character.isLowercase))
    }

    /// Sequences of `allowed` characters separated by single `separators`.
    private static func isSeparatedSequence(
        _ text: String, maxLength: Int, allowed: (Character) -> Bool, separators: Set<Character>
    ) -> Bool {
        guard !text.isEmpty, text.count <= maxLength else { return false }
        var previousWasSeparator = true
        for character in text {
            if allowed(character) {
                previousWasSeparator = false
            } else if separators.contains(character), !previousWasSeparator {
                previousWasSeparator = true
            } else {
                return false
            }
        }
        return !previousWasSeparator
    }

    /// Backstage's `isValidObjectName`.
    static func isValidName(_ text: String) -> Bool {
        isSeparatedSequence(text, maxLength: 63, allowed: isAlphanumeric, separators: ["-", "_", "."])
    }

    /// Backstage's `isValidNamespace` (a DNS label).
    static func isValidNamespace(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 63, text.allSatisfy({ isLowerAlphanumeric($0) || $0 == "-" }) else {
            return false
        }
        return text.first != "-" && text.last != "-"
    }

    /// Backstage's `isValidKind`.
    static func isValidKind(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter, text.count <= 63 else { return false }
        return text.allSatisfy(isAlphanumeric)
    }

    /// Backstage's `isValidApiVersion`: an optional DNS-subdomain group, then a version.
    static func isValidAPIVersion(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let version: String
        switch parts.count {
        case 1:
            version = parts[0]
        case 2:
            let group = parts[0]
            guard group.count <= 253,
                group.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({
                    isValidNamespace(String($0))
                })
            else { return false }
            version = parts[1]
        default:
            return false
        }
        return !version.isEmpty && version.count <= 63 && version.allSatisfy(isAlphanumeric)
    }
}
