import BackendKit

/// Backstage's `fields` query parameter: keep only the listed dotted paths of each entity
/// (`fields=kind,metadata.name`).
struct FieldSelection: Sendable, Equatable {
    /// The selected paths, split on dots.
    let paths: [[String]]

    /// Parses the values of every `fields` parameter (comma-separated); nil when none is given.
    static func parse(_ values: [String]) -> FieldSelection? {
        let paths =
            values
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }
            .map { $0.split(separator: ".").map(String.init) }
        return paths.isEmpty ? nil : FieldSelection(paths: paths)
    }

    /// The parts of `document` at the selected paths, nested as in the original.
    func apply(to document: JSONValue) -> JSONValue {
        var result: JSONValue = .object([:])
        for path in paths {
            if let value = document.value(atPath: path) {
                Self.insert(value, at: path[...], into: &result)
            }
        }
        return result
    }

    private static func insert(_ value: JSONValue, at path: ArraySlice<String>, into target: inout JSONValue) {
        guard let first = path.first else { return }
        var members = target.objectValue ?? [:]
        if path.count == 1 {
            members[first] = value
        } else {
            var child = members[first] ?? .object([:])
            insert(value, at: path.dropFirst(), into: &child)
            members[first] = child
        }
        target = .object(members)
    }
}
