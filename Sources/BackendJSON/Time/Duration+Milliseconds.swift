extension Duration {
    /// The duration in whole milliseconds, rounded toward zero: the framework's one conversion, for the unit
    /// config durations, statement timeouts and log lines (`duration_ms`) are written in.
    ///
    /// ```swift
    /// Duration.seconds(1.5).milliseconds          // 1500
    /// Duration.microseconds(2_999).milliseconds   // 2
    /// ```
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
