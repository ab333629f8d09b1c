import BackendKit

/// One problem of a template's parameter values, shaped like the errors of the `jsonschema` package that Backstage's
/// `POST /v2/dry-run` answers in `{errors: [...]}`:
/// `{path, property, message, name, argument, stack}`, for example
/// `{"path":["name"],"property":"instance.name","message":"is not of a type(s) string","name":"type",
/// "argument":["string"],"stack":"instance.name is not of a type(s) string"}`.
struct ParameterValidationError: Sendable, Equatable {
    /// The members of the value that fails, from the top (`[]` for the values object itself).
    let path: [String]
    /// The keyword that failed: `required`, `type`, `enum`, `minLength`, `maxLength`, `minimum`, `maximum`.
    let name: String
    /// The keyword's value in the schema (the missing property's name for `required`).
    let argument: JSONValue
    /// What is wrong, without the property (`requires property "name"`).
    let message: String

    /// `instance` or `instance.<path>`.
    var property: String {
        (["instance"] + path).joined(separator: ".")
    }

    /// `<property> <message>`.
    var stack: String {
        "\(property) \(message)"
    }

    /// The error as JSON.
    var json: JSONValue {
        [
            "path": .array(path.map(JSONValue.string)), "property": .string(property), "message": .string(message),
            "name": .string(name), "argument": argument, "stack": .string(stack),
        ]
    }
}

extension TemplateDefinition {
    /// Checks that the template can run here, for `POST /v2/tasks` and `POST /v2/dry-run` alike: at most
    /// `scaffolder.maxTemplateSteps` steps, each naming a registered action.
    func checkRunnable(actions: ActionRegistry, limits: ScaffolderLimits) throws(InputError) {
        guard steps.count <= limits.maxTemplateSteps else {
            throw InputError(
                "Template '\(ref)' has \(steps.count) steps, more than \(limits.maxTemplateSteps) "
                    + "(scaffolder.maxTemplateSteps)")
        }
        for step in steps where actions.action(step.action) == nil {
            throw InputError("Template '\(ref)' is invalid: step '\(step.id)' uses the unknown action '\(step.action)'")
        }
    }

    /// Checks that, rendered with `values` alone (step outputs as empty), no step's input, `if` or the output is over
    /// `scaffolder.maxStepInputBytes`: each is then at most what the run will render.
    func checkRenderedSize(values: JSONObject, limits: ScaffolderLimits) throws(InputError) {
        let renderer = TemplateRenderer(parameters: values, stepOutputs: [:], maxBytes: limits.maxStepInputBytes)
        if let problem = renderer.sizeProblem(of: self) {
            throw InputError("Invalid parameters for template '\(ref)': \(problem)")
        }
    }

    /// The problems of `values` against the first section of `spec.parameters` (a form page) that they do not
    /// satisfy, as Backstage's dry run checks them page by page; empty when every page is satisfied.
    ///
    /// Checked per page: `required` (present, whatever its value), and for each property given its `type`, `enum`,
    /// `minLength`, `maxLength`, `minimum` and `maximum` (not `pattern`: a regular expression from the request could
    /// backtrack for minutes).
    func validationErrors(of values: JSONObject) -> [ParameterValidationError] {
        for section in parameterSections {
            var errors: [ParameterValidationError] = []
            for name in section["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where values[name] == nil {
                errors.append(
                    ParameterValidationError(
                        path: [], name: "required", argument: .string(name), message: "requires property \"\(name)\""))
            }
            for (name, schema) in section["properties"]?.objectValue ?? [:] {
                guard let value = values[name] else { continue }
                errors += Self.problems(of: value, at: [name], against: schema)
            }
            if !errors.isEmpty { return errors }
        }
        return []
    }

    /// The sections of `spec.parameters` (one object, or each object of a list).
    var parameterSections: [JSONObject] {
        switch entity["spec"]?["parameters"] {
        case .object(let section)?: [section]
        case .array(let sections)?: sections.compactMap(\.objectValue)
        default: []
        }
    }

    private static func problems(
        of value: JSONValue, at path: [String], against schema: JSONValue
    ) -> [ParameterValidationError] {
        var errors: [ParameterValidationError] = []
        func fail(_ name: String, _ argument: JSONValue, _ message: String) {
            errors.append(ParameterValidationError(path: path, name: name, argument: argument, message: message))
        }
        if let type = schema["type"] {
            let types = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
            if !types.isEmpty, !types.contains(where: { Self.value(value, hasType: $0) }) {
                fail("type", .array(types.map(JSONValue.string)), "is not of a type(s) \(types.joined(separator: ","))")
                return errors
            }
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            let list = allowed.map { $0.scalarText ?? $0.jsonText() }.joined(separator: ",")
            fail("enum", .array(allowed), "is not one of enum values: \(list)")
        }
        if case .string(let text) = value {
            let length = text.count
            if let minimum = schema["minLength"]?.intValue, length < minimum {
                fail("minLength", .int(minimum), "does not meet minimum length of \(minimum)")
            }
            if let maximum = schema["maxLength"]?.intValue, length > maximum {
                fail("maxLength", .int(maximum), "does not meet maximum length of \(maximum)")
            }
        }
        if let number = value.doubleValue {
            if let minimum = schema["minimum"], let bound = minimum.doubleValue, number < bound {
                fail("minimum", minimum, "must be greater than or equal to \(minimum.scalarText ?? "")")
            }
            if let maximum = schema["maximum"], let bound = maximum.doubleValue, number > bound {
                fail("maximum", maximum, "must be less than or equal to \(maximum.scalarText ?? "")")
            }
        }
        return errors
    }
}
