// libFuzzer target: server token verification (BackendAuth).
//
// Two modes, chosen by the first byte of the input:
// - anything not starting with `{`: the input (UTF-8 decoded with replacement, as an HTTP header value
//   would be) is verified as a compact token against two configured keys, and, when short, decoded as
//   a secret the way `backend.auth.keys[].secret` is; it is also parsed as an `Authorization` header value the
//   way the route guard parses it (`BearerCredentials`), and a bearer token found there is verified too;
// - `{…}\n{…}`: a header and a payload that this harness base64url-encodes and signs with the first
//   key, so the payload parser and the claim checks behind the MAC are reachable.
//
// Besides crashes, sanitizer reports and hangs, it traps when a rejection reason contains the token or a
// configured secret, or when a token is accepted whose payload lacks the required claims.
import BackendAuth
import CFuzzSupport
import FuzzHarness
import Logging

/// A configured secret in canonical base64 (decodes to `keyBytes`).
let canonicalSecret = "ZnV6ei1rZXktQS0wMTIzNDU2Nzg5YWJjZGVmZ2hpamts"
/// The first key's bytes: what the harness signs with in header/payload mode.
let keyBytes: [UInt8] = Array("fuzz-key-A-0123456789abcdefghijkl".utf8)
/// A secret in the documentation's Node-style form (not canonical base64).
let nodeStyleSecret = "my-secret-key-catalog"
/// The verification time; fixed so that a run is reproducible (seed tokens expire after it).
let verificationTime: Double = 1_700_000_000

let quietLogger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
let manager = try! ServerTokenManager.fromSecrets([canonicalSecret, nodeStyleSecret], logger: quietLogger)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenVerify(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    if bytes.first == UInt8(ascii: "{") {
        verifySigned(bytes)
    } else {
        verifyRaw(bytes)
    }
    return 0
}

/// Verifies the input as a token and as an `Authorization` header value; checks what a rejection may say.
func verifyRaw(_ bytes: [UInt8]) {
    let token = String(decoding: bytes, as: UTF8.self)
    checkHeader(token)
    do {
        _ = try manager.verify(token, at: verificationTime)
    } catch {
        checkMessage(error.message, doesNotContain: token)
    }
    if bytes.count <= 512 {
        do {
            _ = try ServerTokenManager.fromSecrets([token], logger: quietLogger, sourceName: "fuzz")
        } catch {
            checkMessage(String(describing: error), doesNotContain: token)
        }
    }
}

/// Signs `header\npayload` with the first key and verifies the resulting token.
func verifySigned(_ bytes: [UInt8]) {
    let newline = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
    let header = Array(bytes[..<newline])
    let payload = newline < bytes.endIndex ? Array(bytes[(newline + 1)...]) : []
    let signingInput = base64URL(header) + "." + base64URL(payload)
    let token = signingInput + "." + base64URL(hmacSHA256(Array(signingInput.utf8)))
    do {
        let verified = try manager.verify(token, at: verificationTime)
        // An accepted token must really carry the claims the verifier promises to require.
        guard verified.keyIndex == 0, verified.subject == "backstage-server", verified.expiresAt > verificationTime,
            (verified.notBefore ?? -.infinity) <= verificationTime
        else {
            fatalError("accepted a token without the required claims")
        }
    } catch {
        checkMessage(error.message, doesNotContain: token)
    }
}

/// Traps when a message leaks the token (when long enough to be meaningful) or a configured secret.
func checkMessage(_ message: String, doesNotContain token: String) {
    if token.utf8.count >= 16, message.includes(token) {
        fatalError("message contains the input: \(message)")
    }
    if message.includes(canonicalSecret) || message.includes(nodeStyleSecret) {
        fatalError("message contains a configured secret: \(message)")
    }
}

/// Unpadded base64url, written here so the harness does not depend on the code under test.
func base64URL(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index + 3 <= bytes.count {
        let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
        for shift in [18, 12, 6, 0] { output.append(alphabet[Int(value >> UInt32(shift) & 0x3F)]) }
        index += 3
    }
    let remaining = bytes.count - index
    if remaining == 1 {
        let value = UInt32(bytes[index]) << 16
        output.append(alphabet[Int(value >> 18 & 0x3F)])
        output.append(alphabet[Int(value >> 12 & 0x3F)])
    } else if remaining == 2 {
        let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
        output.append(alphabet[Int(value >> 18 & 0x3F)])
        output.append(alphabet[Int(value >> 12 & 0x3F)])
        output.append(alphabet[Int(value >> 6 & 0x3F)])
    }
    return String(decoding: output, as: UTF8.self)
}

/// HMAC-SHA256 of `message` with `keyBytes` (OpenSSL).
func hmacSHA256(_ message: [UInt8]) -> [UInt8] {
    var mac = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    _ = keyBytes.withUnsafeBytes { key in
        message.withUnsafeBufferPointer { input in
            HMAC(EVP_sha256(), key.baseAddress, Int32(key.count), input.baseAddress, input.count, &mac, &length)
        }
    }
    return mac
}

/// The executable's entry point (SwiftPM aliases `main` to it): runs libFuzzer's driver.
@_cdecl("FuzzTokenVerify_main")
func fuzzTokenVerifyMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzerDriver(argc, argv) { data, size in fuzzTokenVerify(data, size) }
}

/// Parses `value` as the route guard parses an `Authorization` header and verifies the bearer token it holds. A
/// token is never empty, never starts or ends with a blank, and is a part of the header.
func checkHeader(_ value: String) {
    guard case .bearer(let token) = BearerCredentials.parse(value) else { return }
    // By UTF-8 bytes, not Characters: a token may begin or end inside what is one grapheme cluster of the header
    // (a combining mark after a blank, or U+0603, which prepends to the blank after it), as a fuzzed input showed.
    let valueBytes = Array(value.utf8)
    let tokenBytes = Array(token.utf8)
    let isPart =
        tokenBytes.count <= valueBytes.count
        && (0...(valueBytes.count - tokenBytes.count)).contains { valueBytes[$0..<($0 + tokenBytes.count)].elementsEqual(tokenBytes) }
    guard let first = tokenBytes.first, let last = tokenBytes.last, first != 0x20, first != 0x09, last != 0x20,
        last != 0x09, isPart
    else {
        fatalError("the header parser returned a token that is not a trimmed part of the header")
    }
    do {
        _ = try manager.verify(token, at: verificationTime)
    } catch {
        checkMessage(error.message, doesNotContain: token)
    }
}
