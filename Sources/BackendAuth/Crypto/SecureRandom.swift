import BackendJSON
import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's `RAND_bytes`.
enum SecureRandom {
    /// `count` random bytes.
    static func bytes(count: Int) throws(SecureRandomError) -> [UInt8] {
        guard count > 0, count <= Int(Int32.max) else {
            throw SecureRandomError(
                "Cannot generate \(count) random bytes; the count must be between 1 and \(Int32.max)")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard status == 1 else {
            throw SecureRandomError("OpenSSL RAND_bytes failed to generate random bytes")
        }
        return bytes
    }
}

/// The OpenSSL random generator failed, or an impossible amount of randomness was requested.
public struct SecureRandomError: MessageError {
    /// The user-facing message.
    public let message: String

    /// An error with the given message.
    public init(_ message: String) {
        self.message = message
    }
}

/// A new random secret for `backend.auth.keys`: `bytes` bytes from OpenSSL's `RAND_bytes`, as
/// standard padded base64 (what `backend secret` prints).
///
/// - Parameter bytes: how many random bytes; 32 by default (the recommended minimum).
/// - Throws: ``SecureRandomError`` if `bytes` is not positive or the generator fails.
public func generateSecret(bytes: Int = 32) throws -> String {
    let random = try SecureRandom.bytes(count: bytes)
    return Base64.encode(random)
}
