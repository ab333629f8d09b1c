/// Fetches the JSON Web Key Set of a `jwks` externalAccess entry. `BackendAuth` knows nothing of HTTP: the host
/// passes one (BackendKit's `HTTPKeySetSource`) to ``TokenManagerPolicy/resolve(config:logger:environment:clock:keySetSource:)``.
public protocol JSONWebKeySetSource: Sendable {
    /// The body of the key set document at `url`; throws when it cannot be fetched (a non-2xx answer, a timeout).
    func fetchKeySet(from url: String) async throws -> [UInt8]
}
