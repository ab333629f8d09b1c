import BackendKit
import ScaffolderActions

/// `debug:wait`: sleeps for `minutes` + `seconds` + `milliseconds` (the task timeout still applies).
struct DebugWaitAction: TemplateAction {
    let id = "debug:wait"
    let description = "Waits for the given time before the next step."
    let supportsDryRun = true
    let inputSchema: JSONValue = .object([
        "type": .string("object"),
        "properties": .object([
            "minutes": .object(["type": .string("number")]),
            "seconds": .object(["type": .string("number")]),
            "milliseconds": .object(["type": .string("number")]),
        ]),
    ])

    /// The longest wait: 24 hours.
    static let maxMilliseconds = 24.0 * 3_600_000

    func handle(_ context: ActionContext) async throws {
        var milliseconds = 0.0
        for (key, factor) in [("minutes", 60_000.0), ("seconds", 1_000.0), ("milliseconds", 1.0)] {
            switch context.input[key] {
            case nil, .null?:
                continue
            case .int(let value)?:
                milliseconds += Double(value) * factor
            case .double(let value)?:
                milliseconds += value * factor
            case let other?:
                throw ActionError("Input '\(key)' must be a number, got \(other.typeName)")
            }
        }
        guard milliseconds >= 0, milliseconds.isFinite else {
            throw ActionError("The wait time must not be negative")
        }
        // `Duration.milliseconds(_:)` traps on values it cannot represent (1e300 killed the process), and no task
        // should sleep longer than a day anyway; the task timeout still ends shorter waits.
        guard milliseconds <= Self.maxMilliseconds else {
            throw ActionError("The wait time must be at most 24 hours, got \(JSONValue.numberText(milliseconds)) ms")
        }
        await context.log("Waiting \(JSONValue.numberText(milliseconds)) ms")
        try await Task.sleep(for: .milliseconds(milliseconds))
    }
}
