import BackendJSON

/// One published plugin key: a P-256 public key with its key id, as a JSON Web Key.
///
/// The JWK is `{"kty":"EC","x":…,"y":…,"crv":"P-256","kid":…,"alg":"ES256","use":"sig"}`: what Backstage's key
/// stores publish (`jose`'s `exportJWK` plus `kid` and `alg`), with `use` added. It is what a plugin's
/// `/.backstage/auth/v1/jwks.json` lists and what the database key store keeps in its `key` column.
///
/// ```swift
/// let key = try PluginPublicKey(jwk: row)   // from a stored or fetched JWK
/// key.jwk.jsonText()                          // the same JWK again
/// ```
public struct PluginPublicKey: Sendable {
    /// The algorithm every plugin key is for.
    public static let algorithm = "ES256"

    /// The `kid`.
    public let keyId: String
    /// The `alg` member as published; `nil` when the JWK names none (then it may verify ES256 only, by its type).
    public let algorithm: String?
    /// The key.
    public let key: P256VerifyingKey

    /// A key with id `keyId` for ES256.
    public init(keyId: String, key: P256VerifyingKey) {
        self.keyId = keyId
        self.algorithm = Self.algorithm
        self.key = key
    }

    /// The key of a JWK object: `kty` `EC`, `crv` `P-256`, base64url `x` and `y`, a string `kid`.
    ///
    /// - Throws: ``PluginKeyError`` naming the member that is missing or wrong.
    public init(jwk: JSONValue) throws(PluginKeyError) {
        guard case .object(let members) = jwk else { throw PluginKeyError("A JSON Web Key must be a JSON object") }
        func string(_ name: String) -> String? { members[name]?.stringValue }
        try self.init(
            keyType: string("kty"), curve: string("crv"), x: string("x"), y: string("y"), keyId: string("kid"),
            algorithm: string("alg"), use: string("use"))
    }

    /// The key of a JWK written as JSON text (a key store's `key` column).
    ///
    /// - Throws: ``PluginKeyError`` when the text is not a JSON object or not a P-256 signature key.
    public init(jsonText: String) throws(PluginKeyError) {
        guard let value = try? StrictJSONParser.parse(Array(jsonText.utf8), maximumValues: 64) else {
            throw PluginKeyError("The JSON Web Key is not a JSON object")
        }
        try self.init(strict: value)
    }

    /// The key of a JWK as the strict parser reads fetched documents.
    init(strict jwk: StrictJSONValue) throws(PluginKeyError) {
        func string(_ name: String) -> String? {
            guard case .string(let value)? = jwk[member: name] else { return nil }
            return value
        }
        try self.init(
            keyType: string("kty"), curve: string("crv"), x: string("x"), y: string("y"), keyId: string("kid"),
            algorithm: string("alg"), use: string("use"))
    }

    private init(
        keyType: String?, curve: String?, x: String?, y: String?, keyId: String?, algorithm: String?, use: String?
    ) throws(PluginKeyError) {
        guard let keyId, !keyId.isEmpty else { throw PluginKeyError("The JSON Web Key has no \"kid\"") }
        guard keyType == "EC", curve == "P-256" else {
            throw PluginKeyError("The JSON Web Key '\(keyId)' is not an EC key on P-256")
        }
        if let use, use != "sig" { throw PluginKeyError("The JSON Web Key '\(keyId)' is not for signatures") }
        guard let x, let y, let xBytes = try? Base64URL.decode(x), let yBytes = try? Base64URL.decode(y) else {
            throw PluginKeyError("The JSON Web Key '\(keyId)' has no base64url \"x\" and \"y\"")
        }
        self.keyId = keyId
        self.algorithm = algorithm
        self.key = try P256VerifyingKey(x: xBytes, y: yBytes)
    }

    /// The public JWK.
    public var jwk: JSONValue {
        var members: [(String, JSONValue)] = [
            ("kty", "EC"), ("x", .string(Base64URL.encode(key.x))), ("y", .string(Base64URL.encode(key.y))),
            ("crv", "P-256"), ("kid", .string(keyId)),
        ]
        if let algorithm { members.append(("alg", .string(algorithm))) }
        members.append(("use", "sig"))
        return .object(JSONObject(members))
    }

    /// A key set document, `{"keys":[…]}`, listing `keys` in order.
    public static func keySet(_ keys: [PluginPublicKey]) -> JSONValue {
        .object(["keys": .array(keys.map(\.jwk))])
    }

    /// The usable keys of a fetched key set document; members that are not P-256 signature keys with a `kid` are
    /// left out (a set may also list keys of other kinds).
    ///
    /// - Throws: ``PluginKeyError`` when the document is not JSON or has no `keys` array.
    static func keys(inKeySet document: [UInt8]) throws(PluginKeyError) -> [PluginPublicKey] {
        let parsed: StrictJSONValue
        do {
            parsed = try StrictJSONParser.parse(document, maximumValues: 100_000)
        } catch {
            throw PluginKeyError("the key set is not valid JSON")
        }
        guard case .array(let keys)? = parsed[member: "keys"] else {
            throw PluginKeyError("the key set has no \"keys\" array")
        }
        return keys.compactMap { try? PluginPublicKey(strict: $0) }
    }
}
