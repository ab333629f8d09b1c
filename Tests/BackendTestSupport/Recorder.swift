/// Collects values from handlers and background work, in the order they arrive.
///
/// ```swift
/// let headers = Recorder<String>()
/// … await headers.record(value) …
/// #expect(await headers.values == ["Bearer …"])
/// ```
public actor Recorder<Value: Sendable> {
    /// Everything recorded so far.
    public private(set) var values: [Value] = []

    /// An empty recorder.
    public init() {}

    /// Appends `value`.
    public func record(_ value: Value) {
        values.append(value)
    }
}
