import Testing

@testable import BackendAuth

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The work done on a token before any key is tried is bounded and near-linear, because any
/// unauthenticated caller can make the host do it.
///
/// Every hostile header here is as large as the 8 KiB token cap allows and is built to make the
/// header parser work as hard as it can (member names of a letter plus combining marks, the same as
/// `\u` escapes, many members, many tiny objects, a huge number). Each token is rejected, and its
/// CPU cost must stay under 5× the cost of a plain invalid token of the same size (an ASCII header
/// with one long string member, rejected at the MAC). Before the fix, the combining-mark header
/// cost about 154 ms a verification, thousands of times the plain token.
@Suite("Work before the MAC is bounded")
struct WorkBeforeMACTests {
    typealias F = TokenFactory

    /// The largest ratio of hostile to plain CPU time the test accepts.
    static let maximumRatio = 5.0

    /// A verifier with the first test key; hostile tokens are signed with the second key.
    let verifier = ServerTokenVerifier(keys: [HMACSHA256Key(key: F.firstKey)])

    /// The payload every token here carries (valid, so the header is what decides).
    static let payload = F.payload()

    /// The number of header bytes (before base64url) that still fit under the token cap.
    static var headerBudget: Int {
        let payloadSegment = F.b64(payload).utf8.count
        let signatureSegment = 43
        let headerSegment = ServerTokenVerifier.maximumTokenBytes - payloadSegment - signatureSegment - 2
        return headerSegment / 4 * 3
    }

    /// Combining marks U+0300…U+030F: two UTF-8 bytes each.
    static func mark(_ index: Int) -> Unicode.Scalar {
        Unicode.Scalar(UInt32(0x300 + index % 16)) ?? "a"
    }

    /// A distinct member name for `index`: `a` followed by `marks` combining marks (the last ones
    /// spell `index` in base 16, the first ones are shared, so names differ only at the end).
    static func combiningName(_ index: Int, marks: Int, escaped: Bool) -> String {
        var scalars: [Unicode.Scalar] = []
        var rest = index
        for _ in 0..<marks {
            scalars.append(mark(rest))
            rest /= 16
        }
        var name = "a"
        for scalar in scalars.reversed() {
            if escaped {
                let hex = String(scalar.value, radix: 16)
                name += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                name.unicodeScalars.append(scalar)
            }
        }
        return name
    }

    /// `{"alg":"HS256",` then as many `"<name>":0` members as fit, then `}`.
    static func header(fitting name: (Int) -> String) -> String {
        var header = #"{"alg":"HS256""#
        var index = 0
        while true {
            let member = #","\#(name(index))":0"#
            guard header.utf8.count + member.utf8.count + 1 <= headerBudget else { break }
            header += member
            index += 1
        }
        return header + "}"
    }

    /// The hostile headers, by name.
    static let hostileHeaders: [(String, String)] = [
        ("combining-mark names", header { combiningName($0, marks: 4, escaped: false) }),
        ("combining-mark names, longer", header { combiningName($0, marks: 12, escaped: false) }),
        ("escaped combining-mark names", header { combiningName($0, marks: 3, escaped: true) }),
        // Names as long as still lets about 60 members fit: the most hashing under the value cap.
        ("long combining-mark names under the value cap", header { combiningName($0, marks: 46, escaped: false) }),
        ("long escaped names under the value cap", header { combiningName($0, marks: 15, escaped: true) }),
        ("short ASCII names", header { "m\($0)" }),
        (
            "many tiny objects",
            #"{"alg":"HS256","x":["#
                + Array(repeating: #"{"a":0}"#, count: (headerBudget - 40) / 8)
                .joined(separator: ",") + "]}"
        ),
        (
            "many empty arrays",
            #"{"alg":"HS256","x":["#
                + Array(repeating: "[]", count: (headerBudget - 40) / 3)
                .joined(separator: ",") + "]}"
        ),
        ("a huge number", #"{"alg":"HS256","x":1"# + String(repeating: "7", count: headerBudget - 40) + "}"),
        (
            "escaped string",
            #"{"alg":"HS256","x":""# + String(repeating: #"\u00e9"#, count: (headerBudget - 40) / 6) + #""}"#
        ),
    ]

    /// A token carrying `header`, signed with a key the verifier does not have.
    static func token(header: String) -> String {
        F.token(header: header, payload: payload, key: F.secondKey)
    }

    /// A plain invalid token exactly `length` bytes long: an ASCII header with one string member.
    static func plainToken(length: Int) -> String {
        var padding = 0
        while true {
            let candidate = token(header: #"{"alg":"HS256","pad":""# + String(repeating: "x", count: padding) + #""}"#)
            if candidate.utf8.count >= length { return candidate }
            padding += 1
        }
    }

    /// CPU time of the calling thread, in seconds (other tests running in parallel do not count).
    static func threadCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Mean CPU seconds per verification of `token` over `iterations` runs (fewer when the runs
    /// exceed `budget` seconds, so a regression fails quickly instead of running for minutes).
    func cpuPerVerification(_ token: String, iterations: Int, budget: Double = 0.5) -> Double {
        let start = Self.threadCPUTime()
        var count = 0
        while count < iterations {
            _ = verifier.check(token, now: F.now)
            count += 1
            if count % 8 == 0, Self.threadCPUTime() - start > budget { break }
        }
        return (Self.threadCPUTime() - start) / Double(count)
    }

    /// The median of `values`.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    @Test("each hostile header fits under the token cap and is rejected")
    func hostileHeadersAreRejected() {
        for (name, header) in Self.hostileHeaders {
            let token = Self.token(header: header)
            #expect(token.utf8.count <= ServerTokenVerifier.maximumTokenBytes, "\(name): \(token.utf8.count)")
            #expect(token.utf8.count > ServerTokenVerifier.maximumTokenBytes - 200, "\(name): \(token.utf8.count)")
            guard case .failure = verifier.check(token, now: F.now) else {
                Issue.record("\(name): accepted")
                continue
            }
        }
    }

    @Test("a header with more JSON values than the cap is refused before any key is tried")
    func headerValueCap() {
        let limit = ServerTokenVerifier.maximumHeaderValues
        // The object itself, `alg`, and `limit - 2` more members: exactly at the cap.
        let atCap = #"{"alg":"HS256""# + (0..<(limit - 2)).map { #","m\#($0)":0"# }.joined() + "}"
        let overCap = #"{"alg":"HS256""# + (0..<(limit - 1)).map { #","m\#($0)":0"# }.joined() + "}"
        let signedAtCap = F.token(header: atCap, payload: Self.payload, key: F.firstKey)
        guard case .success = verifier.check(signedAtCap, now: F.now) else {
            Issue.record("a header at the cap was refused")
            return
        }
        let signedOverCap = F.token(header: overCap, payload: Self.payload, key: F.firstKey)
        guard case .failure(let rejection) = verifier.check(signedOverCap, now: F.now) else {
            Issue.record("a header over the cap was accepted")
            return
        }
        #expect(rejection.reason == "header has more than \(limit) JSON values")
    }

    @Test("the worst header costs under 5x the CPU of a plain invalid token of the same size")
    func worstHeaderIsBounded() {
        let rounds = 7
        let iterations = 200
        for (name, header) in Self.hostileHeaders {
            let hostile = Self.token(header: header)
            let plain = Self.plainToken(length: hostile.utf8.count)
            // Warm up (first-call costs, caches).
            _ = cpuPerVerification(plain, iterations: 20)
            _ = cpuPerVerification(hostile, iterations: 20)
            var plainTimes: [Double] = []
            var hostileTimes: [Double] = []
            for _ in 0..<rounds {
                plainTimes.append(cpuPerVerification(plain, iterations: iterations))
                hostileTimes.append(cpuPerVerification(hostile, iterations: iterations))
            }
            let plainMedian = Self.median(plainTimes)
            let hostileMedian = Self.median(hostileTimes)
            let ratio = hostileMedian / plainMedian
            let reason: String
            switch verifier.check(hostile, now: F.now) {
            case .success: reason = "accepted"
            case .failure(let rejection): reason = rejection.reason
            }
            print(
                "work before MAC: \(name), \(hostile.utf8.count) bytes: "
                    + "\(Self.microseconds(hostileMedian)) vs plain \(Self.microseconds(plainMedian)) "
                    + "CPU per verification, ratio \((ratio * 100).rounded() / 100) (\(reason))")
            #expect(ratio < Self.maximumRatio, "\(name): \(ratio)x the CPU time of a plain invalid token")
        }
    }

    /// `seconds` as microseconds with one decimal, for the log line.
    static func microseconds(_ seconds: Double) -> String {
        "\((seconds * 10_000_000).rounded() / 10) µs"
    }
}
