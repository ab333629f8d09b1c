import COpenSSL

/// SHA-256 over OpenSSL's streaming API (the same one ``HMACSHA256Key`` continues).
enum SHA256Digest {
    /// Length of a digest in bytes.
    static let length = 32

    /// The digest of `bytes`.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var context = SHA256_CTX()
        copenssl_sha256_init(&context)
        copenssl_sha256_update(&context, bytes.baseAddress, bytes.count)
        let digest = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            copenssl_sha256_final(buffer.baseAddress, &context)
            count = length
        }
        OPENSSL_cleanse(&context, MemoryLayout<SHA256_CTX>.size)
        return digest
    }

    /// The digest of the UTF-8 bytes of `text`.
    static func hash(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }
}
