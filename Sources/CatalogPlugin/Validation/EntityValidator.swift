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
        if kind?.lowercased() == "location", let spec = members["spec"]?.objectValue {
            checkTargets(spec, problems: &problems)
        }
        if containsNUL(document) {
            problems.append("strings must not contain NUL characters (U+0000)")
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

    /// Every version of ``builtInAPIVersions``: valid by definition, and what almost every entity declares, so the
    /// check answers them without splitting (BENCHMARKS.md, "Bulk loads").
    private static let knownAPIVersions = Set(builtInAPIVersions.values.joined())

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
        for key in object.keys.sorted() {
            guard let text = object[key]?.stringValue else {
                problems.append("'\(field).\(key)' must be a string")
                continue
            }
            if text.utf8.count > maximumMetadataValueBytes {
                problems.append(
                    "'\(field).\(key)' is \(text.utf8.count) bytes long, at most \(maximumMetadataValueBytes)")
            }
        }
    }

    /// The longest label or annotation value, in bytes: work that reads them (ancestry, location lookups) stays
    /// bounded, and Kubernetes, whose shape entities follow, caps all annotations together at 256 KiB.
    static let maximumMetadataValueBytes = 64 * 1024
    /// The longest `spec.target` of a Location, in bytes: `PATH_MAX`.
    static let maximumTargetBytes = 4096
    /// The most `spec.targets` of one Location.
    static let maximumTargets = 100

    /// A Location's `spec.target` and `spec.targets`: strings of at most ``maximumTargetBytes``, at most
    /// ``maximumTargets`` of them.
    private static func checkTargets(_ spec: JSONObject, problems: inout [String]) {
        var targets: [(String, JSONValue)] = []
        if let target = spec["target"], target != .null { targets.append(("spec.target", target)) }
        if let list = spec["targets"], list != .null {
            guard let elements = list.arrayValue else {
                problems.append("'spec.targets' must be an array of strings, got \(list.typeName)")
                return
            }
            if elements.count > maximumTargets {
                problems.append("'spec.targets' has \(elements.count) entries, at most \(maximumTargets)")
                return
            }
            targets += elements.enumerated().map { ("spec.targets[\($0.offset)]", $0.element) }
        }
        for (field, value) in targets {
            guard let text = value.stringValue else {
                problems.append("'\(field)' must be a string, got \(value.typeName)")
                continue
            }
            if text.utf8.count > maximumTargetBytes {
                problems.append("'\(field)' is \(text.utf8.count) bytes long, at most \(maximumTargetBytes)")
            }
        }
    }

    /// Whether a string or member name anywhere in `value` holds U+0000, which PostgreSQL cannot store.
    private static func containsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text):
            return text.utf8.contains(0)
        case .array(let elements):
            return elements.contains(where: containsNUL)
        case .object(let members):
            return members.contains { $0.key.utf8.contains(0) || containsNUL($0.value) }
        default:
            return false
        }
    }

    private static func quoted(_ text: String) -> String {
        "\"\(text)\""
    }

    // By ASCII code rather than `Character.isLetter`, which looks up Unicode properties: for ASCII the answers are the
    // same, and a bulk load validates every name, namespace and version this way (BENCHMARKS.md, "Bulk loads").
    private static func isAlphanumeric(_ character: Character) -> Bool {
        guard let code = character.asciiValue else { return false }
        return isLowerAlphanumeric(code) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(code)
    }

    private static func isLowerAlphanumeric(_ character: Character) -> Bool {
        character.asciiValue.map(isLowerAlphanumeric) ?? false
    }

    private static func isLowerAlphanumeric(_ code: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(code) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(code)
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
        guard let first = text.first?.asciiValue, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
            isAlphanumeric(Character(Unicode.Scalar(first))), text.count <= 63
        else { return false }
        return text.allSatisfy(isAlphanumeric)
    }

    /// Backstage's `isValidApiVersion`: an optional DNS-subdomain group, then a version.
    static func isValidAPIVersion(_ text: String) -> Bool {
        if knownAPIVersions.contains(text) { return true }
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
