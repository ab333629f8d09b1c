import BackendKit
import Foundation

/// Renders `${{ … }}` expressions in step inputs and outputs, a small subset of Backstage's
/// nunjucks templating: dotted paths (and `['key']` members) rooted at `parameters` or `steps`,
/// for example `${{ parameters.name }}` or `${{ steps.register.output.entityRef }}`.
///
/// A string that is exactly one expression takes the value's own type (so an object or number
/// passes through); inside longer text a value is inserted as text. An unknown path renders as
/// nothing, as nunjucks renders `undefined`; anything that is not a path is an error.
///
/// Every rendering has a budget, ``maxBytes`` of JSON text (`scaffolder.maxStepInputBytes`), checked while the value
/// is built: an input that repeats a large parameter many times fails as soon as it passes the budget, before the
/// text is assembled, so no rendering allocates much more than the budget.
struct TemplateRenderer: Sendable {
    /// The values the expressions can reach: `parameters` and `steps`.
    let context: JSONValue
    /// The most bytes of JSON text one rendered value may take (`scaffolder.maxStepInputBytes`).
    let maxBytes: Int

    /// What a rendered `spec.output` is called in messages.
    static let outputSubject = "the rendered output of the template"

    /// A renderer over the task's parameters and the outputs of the steps run so far, whose renderings may each
    /// take at most `maxBytes` bytes of JSON text (unbounded by default).
    init(parameters: JSONObject, stepOutputs: [String: JSONObject], maxBytes: Int = .max) {
        var steps: JSONObject = [:]
        for (id, output) in stepOutputs {
            steps[id] = .object(["output": .object(output)])
        }
        context = .object(["parameters": .object(parameters), "steps": .object(steps)])
        self.maxBytes = max(0, maxBytes)
    }

    /// Renders every string inside `value`.
    func render(_ value: JSONValue) throws(InputError) -> JSONValue {
        try render(value, as: "the rendered value")
    }

    /// Renders every string inside `value`; `subject` names it when it exceeds ``maxBytes`` (`the rendered input of
    /// step 'x'`).
    func render(_ value: JSONValue, as subject: String) throws(InputError) -> JSONValue {
        var budget = Budget(limit: maxBytes, subject: subject)
        do {
            return try render(value, &budget)
        } catch {
            throw error.inputError
        }
    }

    /// The rendered `input` of `step`, as an object (empty when it renders to something else).
    func input(of step: TemplateStep) throws(InputError) -> JSONObject {
        try render(step.input, as: Self.inputSubject(step)).objectValue ?? [:]
    }

    /// Whether a step's `if` holds: false, null, `""`, `"false"` and `0` are false.
    func isTruthy(_ condition: JSONValue, of step: TemplateStep? = nil) throws(InputError) -> Bool {
        let subject = step.map { "the rendered 'if' of step '\($0.id)'" } ?? "the rendered 'if'"
        switch try render(condition, as: subject) {
        case .null, .bool(false), .int(0), .double(0):
            return false
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            return !(trimmed.isEmpty || trimmed == "false")
        default:
            return true
        }
    }

    /// The first step input, `if` or output of `template` that renders to more than ``maxBytes`` with this
    /// renderer's values, as `the rendered input of step 'x' is larger than … (scaffolder.maxStepInputBytes)`; nil
    /// when all fit. Expressions that cannot be rendered are skipped here (running the task reports them).
    func sizeProblem(of template: TemplateDefinition) -> String? {
        var renderings: [(JSONValue, String)] = []
        for step in template.steps {
            if let condition = step.condition {
                renderings.append((condition, "the rendered 'if' of step '\(step.id)'"))
            }
            renderings.append((step.input, Self.inputSubject(step)))
        }
        if let output = template.output { renderings.append((output, Self.outputSubject)) }
        for (value, subject) in renderings {
            var budget = Budget(limit: maxBytes, subject: subject)
            do {
                _ = try render(value, &budget)
            } catch {
                if case .tooLarge(let tooLarge) = error { return tooLarge.message }
            }
        }
        return nil
    }

    private static func inputSubject(_ step: TemplateStep) -> String {
        "the rendered input of step '\(step.id)'"
    }

    private func render(_ value: JSONValue, _ budget: inout Budget) throws(RenderFailure) -> JSONValue {
        switch value {
        case .string(let text):
            return try render(text, &budget)
        case .array(let elements):
            try budget.spend(2 + max(0, elements.count - 1))
            var rendered: [JSONValue] = []
            for element in elements {
                rendered.append(try render(element, &budget))
            }
            return .array(rendered)
        case .object(let members):
            try budget.spend(2 + max(0, members.count - 1))
            var rendered: JSONObject = [:]
            for (key, member) in members {
                try budget.spend(JSONSize.quoted(key, upTo: budget.remaining) + 1)
                rendered[key] = try render(member, &budget)
            }
            return .object(rendered)
        case .null, .bool, .int, .double:
            try budget.spend(JSONSize.of(value, upTo: budget.remaining))
            return value
        }
    }

    private func render(_ text: String, _ budget: inout Budget) throws(RenderFailure) -> JSONValue {
        var pieces: [JSONValue] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${{") {
            literal += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw .invalid(InputError("Unterminated template expression in '\(text)'"))
            }
            if !literal.isEmpty {
                pieces.append(.string(literal))
                literal = ""
            }
            do {
                pieces.append(try evaluate(String(rest[open.upperBound..<close.lowerBound]), in: text))
            } catch {
                throw .invalid(error)
            }
            rest = rest[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty {
            pieces.append(.string(literal))
        }
        if pieces.count == 1, let only = pieces.first {
            // The value passes through with its own type: measured, never copied.
            try budget.spend(JSONSize.of(only, upTo: budget.remaining))
            return only
        }
        // Each piece is measured before it is appended, so the text never grows far past the budget.
        var result = ""
        for piece in pieces {
            let text: String
            if let scalar = piece.scalarText {
                text = scalar
            } else if case .null = piece {
                continue
            } else {
                guard JSONSize.of(piece, upTo: budget.remaining) <= budget.remaining - result.utf8.count else {
                    throw .tooLarge(budget.exceeded)
                }
                text = piece.jsonText(options: .sortedKeys)
            }
            guard text.utf8.count <= budget.remaining - result.utf8.count else { throw .tooLarge(budget.exceeded) }
            result += text
        }
        try budget.spend(JSONSize.quoted(result, upTo: budget.remaining))
        return .string(result)
    }

    private func evaluate(_ expression: String, in text: String) throws(InputError) -> JSONValue {
        guard let path = Self.parsePath(expression.trimmingCharacters(in: .whitespaces)) else {
            throw InputError(
                "Unsupported template expression '${{\(expression)}}' in '\(text)'; "
                    + "expected a path such as parameters.name")
        }
        return context.value(atPath: path) ?? .string("")
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

/// Why a rendering stopped: an expression that cannot be rendered, or a value over the budget.
private enum RenderFailure: Error {
    /// A malformed or unsupported expression.
    case invalid(InputError)
    /// The rendered value passed ``TemplateRenderer/maxBytes``.
    case tooLarge(InputError)

    /// The error a caller sees.
    var inputError: InputError {
        switch self {
        case .invalid(let error), .tooLarge(let error): error
        }
    }
}

/// What is left of one rendering's ``TemplateRenderer/maxBytes``.
private struct Budget {
    /// The budget.
    let limit: Int
    /// What is being rendered, for the message (`the rendered input of step 'x'`).
    let subject: String
    /// Bytes not yet spent.
    private(set) var remaining: Int

    /// A full budget of `limit` bytes for `subject`.
    init(limit: Int, subject: String) {
        self.limit = limit
        self.subject = subject
        remaining = limit
    }

    /// Takes `bytes` from the budget, or fails when fewer are left.
    mutating func spend(_ bytes: Int) throws(RenderFailure) {
        guard bytes <= remaining else { throw .tooLarge(exceeded) }
        remaining -= bytes
    }

    /// `<subject> is larger than <limit> bytes (scaffolder.maxStepInputBytes)`.
    var exceeded: InputError {
        InputError("\(subject) is larger than \(limit) bytes (scaffolder.maxStepInputBytes)")
    }
}

/// The size of a value's compact JSON text (as `JSONValue`'s writer produces it), measured without writing it.
enum JSONSize {
    /// The bytes of `value`'s JSON text; once the count passes `limit` it stops and returns a number above `limit`.
    static func of(_ value: JSONValue, upTo limit: Int) -> Int {
        var total = 0
        func add(_ value: JSONValue) -> Bool {
            switch value {
            case .null: total += 4
            case .bool(let flag): total += flag ? 4 : 5
            case .int(let number): total += String(number).utf8.count
            case .double(let number): total += JSONValue.numberText(number).utf8.count
            case .string(let text): total += quoted(text, upTo: limit - total)
            case .array(let elements):
                total += 2 + max(0, elements.count - 1)
                for element in elements {
                    guard total <= limit, add(element) else { return false }
                }
            case .object(let members):
                total += 2 + max(0, members.count - 1)
                for (key, member) in members {
                    total += quoted(key, upTo: limit - total) + 1
                    guard total <= limit, add(member) else { return false }
                }
            }
            return total <= limit
        }
        _ = add(value)
        return total
    }

    /// The bytes of `text` as a quoted JSON string: its UTF-8 bytes, the quotes and the escapes of quotes, backslashes and
    /// control characters. Over `limit` without escapes, it returns at once without reading the text.
    static func quoted(_ text: String, upTo limit: Int) -> Int {
        var size = text.utf8.count + 2
        guard size <= limit else { return size }
        for byte in text.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            switch byte {
            case 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C: size += 1
            default: size += 5
            }
        }
        return size
    }
}
