/// A step's action threw; carries the step name for the reason.
struct StepFailure: Error {
    /// The name of the step that failed.
    let stepName: String
    /// What the action threw.
    let underlying: any Error
}
