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
