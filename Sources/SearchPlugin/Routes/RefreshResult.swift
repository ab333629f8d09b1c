/// `POST /collators/catalog/refresh`'s body.
struct RefreshResult: Sendable, Encodable {
    /// `software-catalog`.
    let type: String
    /// Documents now in the index.
    let documents: Int
}
