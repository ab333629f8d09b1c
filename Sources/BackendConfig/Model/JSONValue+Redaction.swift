import BackendJSON

extension JSONValue {
    /// The text that replaces secret values in `redactingSecrets()`.
    public static let redactedPlaceholder = SecretRedaction.placeholder

    /// True when a value stored under `key` is treated as a credential: its name, lowercased and
    /// without `_` and `-`, equals or ends with a credential word (`password`, `passwd`, `secret`,
    /// `token`, `apikey`, `privatekey`, `credentials`, `clientsecret`, `accesskey`, `secretkey`, …)
    /// or an auth word (`auth`, `authorization`). See `redactingSecrets()` for what is hidden under
    /// each kind of key.
    public static func isSecretKey(_ key: String) -> Bool {
        SecretRedaction.kind(ofKey: key) != .ordinary
    }

    /// A copy with every credential replaced by `"<secret>"`:
    ///
    /// - under a credential key (`password`, `clientSecret`, `api_key`, `credentials`, …) every string
    ///   and number at any depth (keys and structure stay);
    /// - under an auth key (`auth`, `authorization`, `oauth`, …) strings and numbers directly under it;
    ///   an object there is descended, its members judged by their own names (so `backend.auth` keeps
    ///   its structure and `backend.auth.keys[0].secret` is hidden);
    /// - in every other string, the password of a URL userinfo
    ///   (`postgresql://user:<secret>@host:5432/db`).
    ///
    /// Booleans and `null` are never replaced.
    public func redactingSecrets() -> JSONValue {
        SecretRedaction.redact(self)
    }
}
