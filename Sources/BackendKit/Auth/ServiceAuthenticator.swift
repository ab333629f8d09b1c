import Foundation

/// Checks `Authorization: Bearer <token>` against the host's token manager.
struct ServiceAuthenticator: Sendable {
    /// The message of the `401` when no credentials were sent.
    static let missingCredentialsMessage = "Missing credentials"
    /// The message of the `401` when the header is not a bearer token.
    static let malformedHeaderMessage = "Invalid authorization header; expected 'Bearer <token>'"

    /// The host's token manager.
    let tokenManager: any TokenManager

    /// The caller of a protected route, or an `AuthenticationError`.
    ///
    /// Without a bearer token the request passes only when the manager accepts an empty token (the noop
    /// manager does); otherwise it fails with `Missing credentials` (or a malformed-header message).
    func authenticate(_ request: Request) async throws -> Caller {
        switch Self.credentials(in: request.headers) {
        case .bearer(let token):
            try await tokenManager.authenticate(token)
            return .service
        case .missing:
            guard await acceptsEmptyToken() else {
                throw AuthenticationError(Self.missingCredentialsMessage)
            }
            return .service
        case .malformed:
            guard await acceptsEmptyToken() else {
                throw AuthenticationError(Self.malformedHeaderMessage)
            }
            return .service
        }
    }

    /// The caller of a public route: `.service` when a valid bearer token was presented, else `.anonymous`.
    func identify(_ request: Request) async -> Caller {
        guard case .bearer(let token) = Self.credentials(in: request.headers) else { return .anonymous }
        do {
            try await tokenManager.authenticate(token)
            return .service
        } catch {
            return .anonymous
        }
    }

    /// True for managers that accept requests without a token (the noop manager).
    private func acceptsEmptyToken() async -> Bool {
        do {
            try await tokenManager.authenticate("")
            return true
        } catch {
            return false
        }
    }

    /// What the `Authorization` header holds.
    enum Credentials: Equatable {
        case missing
        case malformed
        case bearer(String)
    }

    /// Parses the first `Authorization` header; the scheme is case-insensitive.
    static func credentials(in headers: HTTPFields) -> Credentials {
        guard let value = headers[.authorization] else { return .missing }
        let trimmed = value.drop { $0 == " " || $0 == "\t" }
        guard let separator = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            return trimmed.isEmpty ? .missing : .malformed
        }
        let scheme = trimmed[..<separator]
        guard scheme.lowercased() == "bearer" else { return .malformed }
        let token = trimmed[separator...].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? .malformed : .bearer(token)
    }
}
