/// A new random secret for `backend.auth.keys`: `bytes` bytes from OpenSSL's `RAND_bytes`, as
/// standard padded base64 (what `backend secret` prints).
///
/// - Parameter bytes: how many random bytes; 32 by default (the recommended minimum).
/// - Throws: ``SecureRandomError`` if `bytes` is not positive or the generator fails.
public func generateSecret(bytes: Int = 32) throws -> String {
    let random = try SecureRandom.bytes(count: bytes)
    return Base64.encode(random)
}
