import BackendKit
import Foundation

/// Renders `${{ … }}` expressions in step inputs and outputs, a small subset of Backstage's
/// nunjucks templating: dotted paths (and `['key']` members) rooted at `parameters` or `steps`,
/// for example `${{ parameters.name }}` or `${{ steps.register.output.entityRef }}`.
///
/// A string that is exactly one expression takes the value's own type (so an object or number
/// passes through); inside longer text a value is inserted as text. An unknown path renders as
/// nothing, as nunjucks renders `undefined`; anything that is not a path is an error.
struct TemplateRenderer: Sendable {
    /// The values the expressions can reach: `parameters` and `steps`.
    let context: JSONValue

    /// A renderer over the task's parameters and the outputs of the steps run so far.
    init(parameters: JSONObject, stepOutputs: [String: JSONObject]) {
        var steps: JSONObject = [:]
        for (id, output) in stepOutputs {
            steps[id] = .object(["output": .object(output)])
        }
        context = .object(["parameters": .object(parameters), "steps": .object(steps)])
    }

    /// Renders every string inside `value`.
    func render(_ value: JSONValue) throws(InputError) -> JSONValue {
        switch value {
        case .string(let text):
            return try render(text)
        case .array(let elements):
            var rendered: [JSONValue] = []
            for element in elements {
                rendered.append(try render(element))
            }
            return .array(rendered)
        case .object(let members):
            var rendered: JSONObject = [:]
            for (key, member) in members {
                rendered[key] = try render(member)
            }
            return .object(rendered)
        case .null, .bool, .int, .double:
            return value
        }
    }

    /// Whether a step's `if` holds: false, null, `""`, `"false"` and `0` are false.
    func isTruthy(_ condition: JSONValue) throws(InputError) -> Bool {
        switch try render(condition) {
        case .null, .bool(false), .int(0), .double(0):
            return false
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            return !(trimmed.isEmpty || trimmed == "false")
        default:
            return true
        }
    }

    private func render(_ text: String) throws(InputError) -> JSONValue {
        var pieces: [JSONValue] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${{") {
            literal += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw InputError("Unterminated template expression in '\(text)'")
            }
            if !literal.isEmpty {
                pieces.append(.string(literal))
                literal = ""
            }
            pieces.append(try evaluate(String(rest[open.upperBound..<close.lowerBound]), in: text))
            rest = rest[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty {
            pieces.append(.string(literal))
        }
        if pieces.count == 1, let only = pieces.first {
            return only
        }
        return .string(pieces.map { $0.scalarText ?? Self.inlineText($0) }.joined())
    }

    private func evaluate(_ expression: String, in text: String) throws(InputError) -> JSONValue {
        guard let path = Self.parsePath(expression.trimmingCharacters(in: .whitespaces)) else {
            throw InputError(
                "Unsupported template expression '${{\(expression)}}' in '\(text)'; "
                    + "expected a path such as parameters.name")
        }
        return context.value(atPath: path) ?? .string("")
    }

    private static func inlineText(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        default: value.jsonText(options: .sortedKeys)
        }
    }

    /// `a.b['c'].d` → `["a", "b", "c", "d"]`; nil for anything else.
    static func parsePath(_ expression: String) -> [String]? {
        var components: [String] = []
        var index = expression.startIndex
        let isIdentifier = { (character: Character) in
            character.isLetter || character.isNumber || character == "_" || character == "-" || character == "$"
        }
        while index < expression.endIndex {
            let character = expression[index]
            if character == "[" {
                let afterBracket = expression.index(after: index)
                guard afterBracket < expression.endIndex else { return nil }
                let quote = expression[afterBracket]
                guard quote == "'" || quote == "\"" else { return nil }
                let start = expression.index(after: afterBracket)
                guard let end = expression[start...].firstIndex(of: quote) else { return nil }
                let closing = expression.index(after: end)
                guard closing < expression.endIndex, expression[closing] == "]" else { return nil }
                components.append(String(expression[start..<end]))
                index = expression.index(after: closing)
            } else if character == "." {
                guard !components.isEmpty else { return nil }
                index = expression.index(after: index)
                guard index < expression.endIndex, isIdentifier(expression[index]) else { return nil }
            } else if isIdentifier(character) {
                let end = expression[index...].firstIndex(where: { !isIdentifier($0) }) ?? expression.endIndex
                components.append(String(expression[index..<end]))
                index = end
            } else {
                return nil
            }
        }
        return components.isEmpty ? nil : components
    }
}
