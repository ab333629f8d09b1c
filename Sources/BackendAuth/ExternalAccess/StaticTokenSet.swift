import COpenSSL

/// The `static` entries of `backend.auth.externalAccess`: fixed tokens, each with the principal it identifies.
///
/// **Constant time by construction.** Only the SHA-256 digest of each configured token is kept, never the token.
/// A presented token is hashed once, and its 32-byte digest is compared with *every* entry's digest by
/// `CRYPTO_memcmp`, whose running time depends only on the length compared (always 32), never on where the bytes
/// differ. The loop does not stop at a match, so the time does not tell which entry (or whether any) matched, and
/// because every digest has the same length, not even a configured token's length shows. (Backstage looks the
/// token up in a `Map`, whose string hashing and comparison stop at the first difference.) Even a comparison that
/// did leak would only reveal a prefix of a digest, which says nothing about the token that produced it.
struct StaticTokenSet: Sendable {
    /// One configured token's digest and who it identifies.
    struct Entry: Sendable {
        /// SHA-256 of the token's UTF-8 bytes.
        let digest: [UInt8]
        /// The caller the token identifies.
        let principal: ServicePrincipal
    }

    /// The entries in config order.
    let entries: [Entry]

    /// Whether no static token is configured.
    var isEmpty: Bool { entries.isEmpty }

    /// The principal of the entry whose token is `token`, or `nil`; every entry is compared (see the type).
    func principal(for token: String) -> ServicePrincipal? {
        guard !entries.isEmpty else { return nil }
        let presented = SHA256Digest.hash(token)
        var matched: Int?
        for (index, entry) in entries.enumerated() {
            let equal = presented.withUnsafeBytes { lhs in
                entry.digest.withUnsafeBytes { rhs in
                    CRYPTO_memcmp(lhs.baseAddress, rhs.baseAddress, SHA256Digest.length) == 0
                }
            }
            // No early exit: the remaining entries are compared too.
            if equal && matched == nil { matched = index }
        }
        return matched.map { entries[$0].principal }
    }
}
