extension ScaffolderTask {
    /// Updates one step's state and times.
    mutating func setStep(
        _ id: String, status: StepStatus, startedAt: String? = nil, endedAt: String? = nil
    ) {
        guard let index = steps.firstIndex(where: { $0.id == id }) else { return }
        steps[index].status = status
        if let startedAt { steps[index].startedAt = startedAt }
        if let endedAt { steps[index].endedAt = endedAt }
    }
}
