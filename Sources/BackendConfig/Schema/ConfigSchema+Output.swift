extension ConfigSchema {
    /// The schema as a JSON Schema (draft 2020-12) document, for editors and CI (`backend config schema`).
    ///
    /// Each declared key has its `type` (a duration is a number, a string or an object, with `format: duration`),
    /// `description`, `default` when it has one, and `visibility: secret` (Backstage's keyword) when it is a
    /// secret. Objects the schema declares keys in have `additionalProperties: false`, as `config check --strict`
    /// enforces; the top level allows other sections.
    public var jsonSchema: JSONValue {
        var document: JSONObject = [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "app-config",
        ]
        for (key, value) in Self.schemaObject(ConfigSchemaTree(self), isRoot: true) {
            document[key] = value
        }
        return .object(document)
    }

    private static func schemaObject(_ node: ConfigSchemaTree, isRoot: Bool = false) -> JSONObject {
        var object = JSONObject()
        if let key = node.key {
            let types = key.type.jsonSchemaTypes
            object["type"] = types.count == 1 ? .string(types[0]) : .array(types.map { .string($0) })
            if key.type.contains(.duration) { object["format"] = "duration" }
            object["description"] = .string(key.description)
            if let value = key.defaultValue { object["default"] = value }
            if key.isSecret { object["visibility"] = "secret" }
        } else if node.element != nil && !node.checksKeys {
            object["type"] = "array"
        } else {
            object["type"] = "object"
        }
        var properties = JSONObject()
        for name in node.namedChildren {
            guard let child = node.children[name] else { continue }
            properties[name] = .object(schemaObject(child))
        }
        if !properties.isEmpty { object["properties"] = .object(properties) }
        if let any = node.children[ConfigSchema.anyKeySegment] {
            object["additionalProperties"] = .object(schemaObject(any))
        } else if node.checksKeys && !isRoot {
            object["additionalProperties"] = false
        }
        if let element = node.element {
            object["items"] = .object(schemaObject(element))
        }
        return object
    }

    /// `value` (a merged config) with every credential replaced by `"<secret>"`: every string and number at or
    /// below a key this schema declares secret, and everything `JSONValue.redactingSecrets()` hides by key name
    /// and in URLs.
    public func redactingSecrets(in value: JSONValue) -> JSONValue {
        Self.hidingSecrets(value, node: ConfigSchemaTree(self)).redactingSecrets()
    }

    private static func hidingSecrets(_ value: JSONValue, node: ConfigSchemaTree?) -> JSONValue {
        guard let node else { return value }
        if node.key?.isSecret == true { return hidingEverything(value) }
        switch value {
        case .object(let members):
            return .object(
                JSONObject(members.map { name, member in (name, hidingSecrets(member, node: node.child(named: name))) })
            )
        case .array(let items):
            return .array(items.map { hidingSecrets($0, node: node.element) })
        default:
            return value
        }
    }

    private static func hidingEverything(_ value: JSONValue) -> JSONValue {
        switch value {
        case .null, .bool: value
        case .int, .double, .string: .string(JSONValue.redactedPlaceholder)
        case .array(let items): .array(items.map(hidingEverything))
        case .object(let members): .object(members.mapValues(hidingEverything))
        }
    }
}
