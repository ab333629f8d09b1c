import BackendKit

/// The parts of a `scaffolder.backstage.io/v1beta3` `Template` entity the scaffolder uses.
struct TemplateDefinition: Sendable, Equatable {
    /// Where the template came from.
    let ref: TemplateRef
    /// The template entity itself, which a task stores so that any process can run it later.
    let entity: JSONValue
    /// Parameter names listed under `required` in `spec.parameters` (an object or a list of them).
    let requiredParameters: [String]
    /// Parameter name → JSON schema of the property, from every `properties` section.
    let parameterSchemas: JSONObject
    /// The steps, in order.
    let steps: [TemplateStep]
    /// The unrendered `spec.output`, if any.
    let output: JSONValue?

    /// Reads a template entity; throws `InputError` naming the malformed part.
    init(entity: JSONValue, ref: TemplateRef) throws(InputError) {
        self.ref = ref
        self.entity = entity
        let invalid = { (reason: String) -> InputError in
            InputError("Template '\(ref)' is invalid: \(reason)")
        }
        guard entity["kind"]?.stringValue?.lowercased() == "template" else {
            throw invalid("its kind is not Template")
        }
        guard let spec = entity["spec"]?.objectValue else { throw invalid("'spec' must be an object") }

        var sections: [JSONObject] = []
        switch spec["parameters"] {
        case nil, .null?:
            break
        case .object(let section)?:
            sections = [section]
        case .array(let elements)?:
            for (index, element) in elements.enumerated() {
                guard let section = element.objectValue else {
                    throw invalid("'spec.parameters[\(index)]' must be an object")
                }
                sections.append(section)
            }
        case let other?:
            throw invalid("'spec.parameters' must be an object or an array, got \(other.typeName)")
        }
        var required: [String] = []
        var schemas: JSONObject = [:]
        for section in sections {
            for name in section["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !required.contains(name)
            {
                required.append(name)
            }
            for (name, schema) in section["properties"]?.objectValue ?? [:] {
                schemas[name] = schema
            }
        }
        requiredParameters = required
        parameterSchemas = schemas

        guard let rawSteps = spec["steps"]?.arrayValue else { throw invalid("'spec.steps' must be an array") }
        var steps: [TemplateStep] = []
        for (index, rawStep) in rawSteps.enumerated() {
            guard let action = rawStep["action"]?.stringValue, !action.isEmpty else {
                throw invalid("'spec.steps[\(index)].action' must be a non-empty string")
            }
            let id = rawStep["id"]?.stringValue ?? "step-\(index + 1)"
            if steps.contains(where: { $0.id == id }) {
                throw invalid("the step id '\(id)' is used twice")
            }
            let input = rawStep["input"] ?? .object([:])
            guard input.objectValue != nil else {
                throw invalid("'spec.steps[\(index)].input' must be an object")
            }
            steps.append(
                TemplateStep(
                    id: id, name: rawStep["name"]?.stringValue ?? id, action: action, input: input,
                    condition: rawStep["if"]))
        }
        self.steps = steps
        output = spec["output"]
    }

    /// `values` plus the `default` of every property that has one and is not given.
    func applyingDefaults(to values: JSONObject) -> JSONObject {
        var result = values
        for (name, schema) in parameterSchemas where result[name] == nil || result[name] == .null {
            if let fallback = schema["default"] {
                result[name] = fallback
            }
        }
        return result
    }

    /// Checks `values` against the required parameters and each property's `type` and `enum`;
    /// returns the problems (empty when valid). A blank string counts as missing.
    func problems(with values: JSONObject) -> [String] {
        var problems: [String] = []
        for name in requiredParameters {
            switch values[name] {
            case nil, .null?:
                problems.append("missing required parameter '\(name)'")
            case .string(let text)? where text.allSatisfy(\.isWhitespace):
                problems.append("missing required parameter '\(name)'")
            default:
                break
            }
        }
        for name in values.keys.sorted() {
            guard let value = values[name], value != .null, let schema = parameterSchemas[name] else { continue }
            if let type = schema["type"]?.stringValue, !Self.value(value, hasType: type) {
                problems.append("parameter '\(name)' must be of type \(type), got \(value.typeName)")
            } else if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
                let list = allowed.compactMap(\.scalarText).joined(separator: ", ")
                problems.append("parameter '\(name)' must be one of \(list)")
            }
        }
        return problems
    }

    /// Whether `value` is of JSON Schema type `type` (an unknown type name admits everything).
    static func value(_ value: JSONValue, hasType type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("array", .array), ("object", .object), ("null", .null):
            true
        case ("number", .int), ("number", .double), ("integer", .int):
            true
        case ("integer", .double(let number)):
            number.rounded() == number
        case ("string", _), ("boolean", _), ("array", _), ("object", _), ("null", _), ("number", _), ("integer", _):
            false
        default:
            true
        }
    }
}
