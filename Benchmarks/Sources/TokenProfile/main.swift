import BackendAuth
import Foundation
import Logging

// A profiling harness for callgrind (instruction counts are repeatable on a busy machine, wall
// clock is not): runs one operation of the micro-benchmarks N times with the same key and claims.
//
//   .build-benchmarks/release/TokenProfile verify 100000
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//       .build-benchmarks/release/TokenProfile verify 100000
//   callgrind_annotate /tmp/cg.out | head -40
//
// Scenarios: floor, verify, verify-third-key, wrong-signature, malformed, sign, get-token.
// Run it once with N and once with 0: the difference divided by N is the cost per operation.

let keyBytes: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
let otherKeys: [[UInt8]] = [101, 211].map { seed in (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ seed) } }
let expiresAt = 4_102_444_800

func secret(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

let arguments = CommandLine.arguments
guard arguments.count == 3, let iterations = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: TokenProfile SCENARIO ITERATIONS\n".utf8))
    exit(2)
}
let logger = Logger(label: "profile", factory: { _ in SwiftLogNoOpLogHandler() })
let manager = try ServerTokenManager.fromSecrets([secret(keyBytes)], logger: logger)
let threeKeys = try ServerTokenManager.fromSecrets(
    [secret(otherKeys[0]), secret(otherKeys[1]), secret(keyBytes)], logger: logger)
let token = manager.signToken(expiresAt: expiresAt).token
var wrongSignatureBytes = Array(token.utf8)
wrongSignatureBytes[wrongSignatureBytes.count - 43] =
    wrongSignatureBytes[wrongSignatureBytes.count - 43] == 65 ? 66 : 65
let wrongSignature = String(decoding: wrongSignatureBytes, as: UTF8.self)
let malformed = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiYWNrc3RhZ2Utc2VydmVyIn0"
let signingInput = Array(token.utf8.prefix(79))
let hmacKey = HMACSHA256Key(key: keyBytes)

var sink = 0
switch arguments[1] {
case "floor":
    var output = [UInt8](repeating: 0, count: HMACSHA256Key.macLength)
    signingInput.withUnsafeBytes { input in
        output.withUnsafeMutableBufferPointer { out in
            for _ in 0..<iterations {
                hmacKey.authenticate(input, into: out.baseAddress!)
                sink &+= Int(out[0])
            }
        }
    }
case "verify":
    for _ in 0..<iterations { sink &+= (try? manager.verify(token))?.keyIndex ?? 1 }
case "verify-third-key":
    for _ in 0..<iterations { sink &+= (try? threeKeys.verify(token))?.keyIndex ?? 1 }
case "wrong-signature":
    for _ in 0..<iterations { sink &+= (try? manager.verify(wrongSignature))?.keyIndex ?? 1 }
case "malformed":
    for _ in 0..<iterations { sink &+= (try? manager.verify(malformed))?.keyIndex ?? 1 }
case "sign":
    for _ in 0..<iterations { sink &+= manager.signToken(expiresAt: expiresAt).token.utf8.count }
case "get-token":
    for _ in 0..<iterations { sink &+= manager.currentToken().token.utf8.count }
default:
    FileHandle.standardError.write(Data("unknown scenario \(arguments[1])\n".utf8))
    exit(2)
}
print(sink)
