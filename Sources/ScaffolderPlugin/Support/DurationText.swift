import BackendKit

/// Human text for durations in messages.
enum DurationText {
    /// `250 milliseconds`, `5 seconds`, `1.5 seconds`.
    static func describe(_ duration: Duration) -> String {
        let milliseconds = Double(duration.milliseconds)
        if milliseconds < 1000 {
            return "\(JSONValue.numberText(milliseconds.rounded())) milliseconds"
        }
        let seconds = (milliseconds / 100).rounded() / 10
        return "\(JSONValue.numberText(seconds)) second\(seconds == 1 ? "" : "s")"
    }
}
