import BackendJSON
import BackendKit
import Foundation
import Testing

@testable import CatalogPlugin

@Suite("Catalog search rows")
struct EntitySearchFieldsTests {
    /// The rows as the catalog first defined them: a set of values per key, the first spelling of each value kept
    /// for facets except a relation's, whose latest spelling wins; keys and values sorted. The flattening that
    /// replaced it for speed must give exactly these rows.
    private static func oracle(_ entity: Entity) -> [EntitySearchFields.Row] {
        var values: [String: Set<String>] = [:]
        var originals: [String: [String: String]] = [:]
        func record(_ text: String, _ key: String) {
            let lower = text.lowercased()
            values[key, default: []].insert(lower)
            if originals[key]?[lower] == nil { originals[key, default: [:]][lower] = text }
        }
        func flatten(_ value: JSONValue, _ prefix: String) {
            switch value {
            case .object(let members):
                for (key, member) in members {
                    let path = prefix.isEmpty ? key.lowercased() : "\(prefix).\(key.lowercased())"
                    if path == "relations" { continue }
                    flatten(member, path)
                }
            case .array(let elements):
                values[prefix, default: []].formUnion([])
                for element in elements {
                    if let text = element.scalarText {
                        record(text, prefix)
                    } else if case .object = element {
                        flatten(element, prefix)
                    }
                }
            case .null:
                values[prefix, default: []].formUnion([])
            default:
                if let text = value.scalarText { record(text, prefix) }
            }
        }
        flatten(entity.document, "")
        for relation in entity.document["relations"]?.arrayValue ?? [] {
            guard let type = relation["type"]?.stringValue, let target = relation["targetRef"]?.stringValue else {
                continue
            }
            let key = "relations.\(type.lowercased())"
            values[key, default: []].insert(target.lowercased())
            originals[key, default: [:]][target.lowercased()] = target
        }
        return values.keys.sorted().flatMap { key -> [EntitySearchFields.Row] in
            let keyValues = values[key] ?? []
            if keyValues.isEmpty { return [.init(key: key, value: nil, original: nil)] }
            return keyValues.sorted().map { .init(key: key, value: $0, original: originals[key]?[$0] ?? $0) }
        }
    }

    /// The rows as bytes, in byte order: the rows are what is stored. Their order is not compared here because
    /// `String`'s `<` is no consistent order for decomposed spellings ("e\u{301}" equals "é", yet only "é" sorts
    /// before "éz"), so the sets' order depended on their hashing.
    private static func bytes(_ rows: [EntitySearchFields.Row]) -> [[UInt8]] {
        rows.map { Array("\($0.key)\u{1}\($0.value ?? "\u{2}")\u{1}\($0.original ?? "\u{2}")".utf8) }
            .sorted { $0.lexicographicallyPrecedes($1) }
    }

    private func entity(_ json: String) throws -> Entity {
        try EntityValidator.validate(try JSONValue(parsing: json))
    }

    @Test("rows are one per key and distinct lower-cased value, sorted, with the first spelling as the original")
    func rowsOfAnEntity() throws {
        let entity = try entity(
            """
            {"apiVersion":"backstage.io/v1alpha1","kind":"Component",
             "metadata":{"name":"web","tags":["Java","java","JAVA","go"],"labels":{},"links":[],
               "annotations":{"A":"1","a":"2"}},
             "spec":{"type":"service","owner":"team-a","lifecycle":null,"ports":[80, 80.5, true],
               "deps":[{"name":"x"},{"name":"Y"}]},
             "relations":[{"type":"ownedBy","targetRef":"group:default/Team-A"},
               {"type":"ownedBy","targetRef":"group:default/team-a"}]}
            """)
        let rows = EntitySearchFields(entity).rows.map { [$0.key, $0.value ?? "-", $0.original ?? "-"] }
        #expect(
            rows == [
                ["apiversion", "backstage.io/v1alpha1", "backstage.io/v1alpha1"],
                ["kind", "component", "Component"],
                ["metadata.annotations.a", "1", "1"], ["metadata.annotations.a", "2", "2"],
                ["metadata.links", "-", "-"],
                ["metadata.name", "web", "web"],
                ["metadata.namespace", "default", "default"],
                ["metadata.tags", "go", "go"], ["metadata.tags", "java", "Java"],
                ["relations.ownedby", "group:default/team-a", "group:default/team-a"],
                ["spec.deps", "-", "-"], ["spec.deps.name", "x", "x"], ["spec.deps.name", "y", "Y"],
                ["spec.lifecycle", "-", "-"],
                ["spec.owner", "team-a", "team-a"],
                ["spec.ports", "80", "80"], ["spec.ports", "80.5", "80.5"], ["spec.ports", "true", "true"],
                ["spec.type", "service", "service"],
            ])
        #expect(EntitySearchFields(entity).rows == Self.oracle(entity))
    }

    @Test("rows match the set-based definition on generated entities, awkward spellings included")
    func rowsMatchTheDefinition() throws {
        // Values equal as Swift strings but not byte for byte (composed and decomposed accents), spellings that
        // differ only in case, keys met as a value-less array and again with values, relations with the same target
        // in two spellings: each one a way for sorting and merging to pick another row than the sets did.
        let spellings = ["é", "e\u{301}", "É", "E\u{301}", "a", "A", "b", "", " ", "ß", "SS", "z", "Z"]
        for round in 0..<300 {
            var random = RoundRandom(seed: UInt64(round))
            func text() -> String {
                (0..<random.next(3)).map { _ in spellings[random.next(spellings.count)] }.joined()
            }
            func value(_ depth: Int) -> JSONValue {
                switch random.next(depth > 1 ? 3 : 5) {
                case 0: return .string(text())
                case 1: return random.next(2) == 0 ? .null : .int(random.next(3))
                case 2: return .array((0..<random.next(4)).map { _ in .string(text()) })
                case 3: return .array((0..<random.next(3)).map { _ in value(depth + 1) })
                default:
                    return .object(JSONObject((0..<random.next(4)).map { _ in (text(), value(depth + 1)) }))
                }
            }
            var spec = JSONObject()
            for _ in 0..<random.next(6) { spec[text()] = value(0) }
            var relations: [JSONValue] = []
            for _ in 0..<random.next(4) {
                relations.append(
                    .object([
                        "type": .string(["ownedBy", "OWNEDBY", "partOf"][random.next(3)]), "targetRef": .string(text()),
                    ]))
            }
            let document: JSONValue = .object([
                "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                "metadata": .object(["name": .string("n\(round)")]), "spec": .object(spec),
                "relations": .array(relations),
            ])
            let entity = try EntityValidator.validate(document)
            #expect(Self.bytes(EntitySearchFields(entity).rows) == Self.bytes(Self.oracle(entity)), "round \(round)")
        }
    }
}

/// SplitMix64, so a failing round can be reproduced from its number.
private struct RoundRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
