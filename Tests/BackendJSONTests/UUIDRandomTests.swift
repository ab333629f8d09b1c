import BackendJSON
import Foundation
import Testing

@Suite struct UUIDRandomTests {
    @Test func isALowerCaseVersion4UUID() throws {
        for _ in 0..<1_000 {
            let text = UUID.randomLowercased()
            #expect(text.utf8.count == 36)
            #expect(text == text.lowercased())
            let parsed = try #require(UUID(uuidString: text))
            // Foundation reads it back to the same value, and it carries version 4 and RFC 9562's variant.
            #expect(parsed.uuidString.lowercased() == text)
            #expect(parsed.uuid.6 >> 4 == 4)
            #expect(parsed.uuid.8 >> 6 == 0b10)
            #expect(Array(text).enumerated().filter { $0.element == "-" }.map(\.offset) == [8, 13, 18, 23])
        }
    }

    @Test func isRandom() {
        let ids = (0..<10_000).map { _ in UUID.randomLowercased() }
        #expect(Set(ids).count == ids.count)
        // Every hexadecimal digit shows up in the random positions, as it would not if a nibble were dropped.
        let random = ids.map { Array($0)[0] }
        #expect(Set(random) == Set("0123456789abcdef"))
    }
}
