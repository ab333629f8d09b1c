import COpenSSL

@testable import BackendAuth

/// Crafts tokens (valid or hostile) for the verification tests.
enum TokenFactory {
    /// The fixed "now" most tests run at: 2027-01-15T08:00:00Z.
    static let now: Double = 1_800_000_000
    /// First configured key (32 bytes 0x00…0x1f) and its base64 secret.
    static let firstKey: [UInt8] = Array(0..<32)
    static let firstSecret = Base64.encode(firstKey)
    /// Second configured key (32 bytes 0x80…0x9f).
    static let secondKey: [UInt8] = Array(0x80..<0xA0)
    static let secondSecret = Base64.encode(secondKey)

    static let standardHeader = #"{"alg":"HS256"}"#

    static func payload(exp: Double = now + 3600) -> String {
        #"{"sub":"backstage-server","exp":\#(formatted(exp))}"#
    }

    static func formatted(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }

    static func b64(_ text: String) -> String {
        Base64URL.encode(Array(text.utf8))
    }

    static func b64(_ bytes: [UInt8]) -> String {
        Base64URL.encode(bytes)
    }

    /// HMAC-SHA256 computed with OpenSSL's one-shot `HMAC()` (independent of the precomputed-state code).
    static func hmac(_ message: String, key: [UInt8], digest: OpaquePointer? = EVP_sha256()) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let messageBytes = Array(message.utf8)
        key.withUnsafeBytes { keyBuffer in
            messageBytes.withUnsafeBufferPointer { messageBuffer in
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    _ = HMAC(
                        digest, keyBuffer.baseAddress, Int32(key.count), messageBuffer.baseAddress,
                        messageBuffer.count, outputBuffer.baseAddress, &length)
                }
            }
        }
        return Array(output.prefix(Int(length)))
    }

    /// `b64(header).b64(payload).b64(HMAC)`.
    static func token(header: String = standardHeader, payload: String = payload(), key: [UInt8] = firstKey) -> String {
        let signingInput = b64(header) + "." + b64(payload)
        return signingInput + "." + b64(hmac(signingInput, key: key))
    }

    /// Signs raw (possibly invalid UTF-8) payload bytes.
    static func token(header: String = standardHeader, payloadBytes: [UInt8], key: [UInt8] = firstKey) -> String {
        let signingInput = b64(header) + "." + b64(payloadBytes)
        return signingInput + "." + b64(hmac(signingInput, key: key))
    }

    /// Signs already-encoded segments as given.
    static func token(encodedHeader: String, encodedPayload: String, key: [UInt8] = firstKey) -> String {
        let signingInput = encodedHeader + "." + encodedPayload
        return signingInput + "." + b64(hmac(signingInput, key: key))
    }
}
