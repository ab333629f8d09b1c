import COpenSSL

/// One HMAC-SHA256 key with its inner and outer SHA-256 states precomputed (RFC 2104).
///
/// The key schedule — hashing `key ⊕ ipad` and `key ⊕ opad` — runs once in `init`. Every MAC then
/// copies the two 112-byte `SHA256_CTX` values onto the stack and continues them, so the hot path
/// performs no allocation, no key setup and no algorithm fetch.
///
/// `@unchecked Sendable` is sound: the two heap-allocated contexts are written only in `init`,
/// never mutated afterwards (each call works on its own stack copy), and released in `deinit`
/// when no other reference can exist.
///
/// Public only so that the benchmark package (`Benchmarks/`) can measure the HMAC floor with the
/// very primitive token verification uses; hosts and plugins never need it — they use a
/// ``TokenManager``. Only ``init(key:)``, ``macLength`` and ``authenticate(_:into:)`` are public.
public final class HMACSHA256Key: @unchecked Sendable {
    /// Length of an HMAC-SHA256 tag in bytes.
    public static let macLength = 32
    private static let blockLength = 64

    private let inner: UnsafeMutablePointer<SHA256_CTX>
    private let outer: UnsafeMutablePointer<SHA256_CTX>

    /// Precomputes the states for `key` (any length; keys longer than the block are hashed first).
    public init(key: [UInt8]) {
        var block = [UInt8](repeating: 0, count: Self.blockLength)
        if key.count > Self.blockLength {
            var ctx = SHA256_CTX()
            copenssl_sha256_init(&ctx)
            key.withUnsafeBytes { _ = copenssl_sha256_update(&ctx, $0.baseAddress, $0.count) }
            block.withUnsafeMutableBufferPointer { _ = copenssl_sha256_final($0.baseAddress, &ctx) }
            OPENSSL_cleanse(&ctx, MemoryLayout<SHA256_CTX>.size)
        } else {
            block.replaceSubrange(0..<key.count, with: key)
        }
        inner = .allocate(capacity: 1)
        outer = .allocate(capacity: 1)
        inner.initialize(to: SHA256_CTX())
        outer.initialize(to: SHA256_CTX())
        copenssl_sha256_init(inner)
        copenssl_sha256_init(outer)
        var padded = block.map { $0 ^ 0x36 }
        padded.withUnsafeBytes { _ = copenssl_sha256_update(inner, $0.baseAddress, $0.count) }
        for index in padded.indices { padded[index] = block[index] ^ 0x5c }
        padded.withUnsafeBytes { _ = copenssl_sha256_update(outer, $0.baseAddress, $0.count) }
        padded.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
        block.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    deinit {
        OPENSSL_cleanse(inner, MemoryLayout<SHA256_CTX>.size)
        OPENSSL_cleanse(outer, MemoryLayout<SHA256_CTX>.size)
        inner.deallocate()
        outer.deallocate()
    }

    /// Writes the 32-byte MAC of `message` to `output` (which must hold at least 32 bytes).
    /// Allocation-free: the precomputed states are copied onto the stack and continued.
    public func authenticate(_ message: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>) {
        var context = inner.pointee
        copenssl_sha256_update(&context, message.baseAddress, message.count)
        copenssl_sha256_final(output, &context)
        context = outer.pointee
        copenssl_sha256_update(&context, output, Self.macLength)
        copenssl_sha256_final(output, &context)
        OPENSSL_cleanse(&context, MemoryLayout<SHA256_CTX>.size)
    }

    /// The 32-byte MAC of `message`.
    func authenticationCode(for message: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.macLength) { buffer, count in
            if let base = buffer.baseAddress { authenticate(message, into: base) }
            count = Self.macLength
        }
    }

    /// The 32-byte MAC of `message`.
    func authenticationCode(for message: some Collection<UInt8>) -> [UInt8] {
        let bytes = Array(message)
        return bytes.withUnsafeBytes { authenticationCode(for: $0) }
    }

    /// Whether `signature` is the MAC of `message`, compared in constant time (`CRYPTO_memcmp`).
    func isValid(signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer) -> Bool {
        guard signature.count == Self.macLength, let expected = signature.baseAddress else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.macLength) { buffer in
            guard let base = buffer.baseAddress else { return false }
            authenticate(message, into: base)
            let equal = CRYPTO_memcmp(base, expected, Self.macLength) == 0
            OPENSSL_cleanse(base, Self.macLength)
            return equal
        }
    }
}
