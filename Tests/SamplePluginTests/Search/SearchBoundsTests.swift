import BackendConfig
import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Foundation
import NIOConcurrencyHelpers
import NIOHTTP1
import Testing

@testable import SearchPlugin

/// The work of one search query is bounded: a term over the limits is refused before any work, and the worst term
/// the limits accept costs a bounded number of steps against an index holding a very large document, yielding its
/// thread as it goes.
@Suite("Search: bounded work per query")
struct SearchBoundsTests {
    /// A deterministic generator of pronounceable words (`boka`, `tefuri`, …), so every index is the same.
    struct Words {
        private var state: UInt64

        /// Words from `seed`.
        init(seed: UInt64) { state = seed }

        /// The next random number (SplitMix64).
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// A word of `syllables` consonant-vowel pairs (2 to 5 when `nil`).
        mutating func word(syllables: Int? = nil) -> String {
            let consonants = Array("bcdfghjklmnprstvwz")
            let vowels = Array("aeiou")
            let count = syllables ?? Int(next() % 4) + 2
            var text = ""
            for _ in 0..<count {
                text.append(consonants[Int(next() % UInt64(consonants.count))])
                text.append(vowels[Int(next() % UInt64(vowels.count))])
            }
            return text
        }

        /// `count` words separated by spaces.
        mutating func words(_ count: Int) -> String {
            (0..<count).map { _ in word() }.joined(separator: " ")
        }
    }

    /// The catalog of the report: 2,008 components with short descriptions, plus one whose description is
    /// `largeBytes` long.
    static func documents(largeBytes: Int) -> [CatalogEntityDocument] {
        var words = Words(seed: 42)
        var entities = (0..<2008).map { number in
            CatalogEntitySummary(
                kind: "Component", name: "\(words.word())-\(words.word())-\(number)",
                description: words.words(15 + number % 16), type: ["service", "website", "library"][number % 3],
                lifecycle: "production", owner: "team-\(words.word(syllables: 2))")
        }
        var large = ""
        while large.utf8.count < largeBytes { large += words.word() + " " }
        entities.append(CatalogEntitySummary(kind: "Component", name: "large-one", description: large))
        return entities.map(CatalogEntityDocument.init)
    }

    /// The costliest shape of term the default limits accept: 10 pairs of 4-letter words joined by `-` (99
    /// characters, 30 tokens, each one long enough for prefix and one-edit matching).
    static func worstAcceptedTerm() -> String {
        var words = Words(seed: 7)
        return (0..<10).map { _ in words.word(syllables: 2) + "-" + words.word(syllables: 2) }.joined(separator: " ")
    }

    /// `count` distinct two-letter words (`aa ab …`), `3 × count - 1` characters.
    static func twoLetterWords(_ count: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        return (0..<count).map { String([letters[$0 / 26], letters[$0 % 26]]) }.joined(separator: " ")
    }

    @Test(
        "a term over search.maxTermLength or search.maxTermTokens is a 400 naming the limit; at the limit it is served")
    func termLimits() async throws {
        try await TestBackend(plugins: [SearchPlugin()], config: Config(TestHosts.config())).test { client in
            let long = String(repeating: "a", count: 101)
            let refused = try await client.request(.get, "/api/search/query?term=\(long)", as: .backend)
            #expect(
                refused.text
                    == errorBody(
                        name: "InputError",
                        message: "The search term is 101 characters long, more than search.maxTermLength (100)",
                        method: "GET", url: "/query?term=\(long)", status: 400))
            #expect(refused.status == 400)
            let atLimit = String(repeating: "a", count: 100)
            #expect(try await client.request(.get, "/api/search/query?term=\(atLimit)", as: .backend).status == 200)
            // Backstage counts UTF-16 code units: 50 emoji are 100, 51 are over.
            let emoji = String(repeating: "😀", count: 51).addingPercentEncoding(withAllowedCharacters: .alphanumerics)
            let wide = try await client.request(.get, "/api/search/query?term=\(emoji ?? "")", as: .backend)
            #expect(wide.status == 400)
            #expect(
                (wide.object["error"] as? [String: Any])?["message"] as? String
                    == "The search term is 102 characters long, more than search.maxTermLength (100)")

            let tooMany = Self.twoLetterWords(33)
            #expect(tooMany.utf16.count == 98)
            let many = try await client.request(
                .get, "/api/search/query?term=\(tooMany.replacingOccurrences(of: " ", with: "+"))", as: .backend)
            #expect(many.status == 400)
            #expect(
                (many.object["error"] as? [String: Any])?["message"] as? String
                    == "The search term has 33 distinct words and word parts, more than search.maxTermTokens (32)")
            let enough = Self.twoLetterWords(32).replacingOccurrences(of: " ", with: "+")
            #expect(try await client.request(.get, "/api/search/query?term=\(enough)", as: .backend).status == 200)
        }
    }

    @Test("the limits are config keys: search.maxTermTokens and search.maxTermLength")
    func configuredLimits() async throws {
        let search: JSONValue = [
            "collators": ["catalog": ["initialDelay": "1h", "frequency": "1h"]], "maxTermLength": 1000,
            "maxTermTokens": 3,
        ]
        let config = Config(TestHosts.config(extra: [("search", search)]))
        try await TestBackend(plugins: [SearchPlugin()], config: config).test { client in
            let long = String(repeating: "a", count: 1000)
            #expect(try await client.request(.get, "/api/search/query?term=\(long)", as: .backend).status == 200)
            #expect(
                try await client.request(.get, "/api/search/query?term=alpha+beta-gamma", as: .backend).status == 400)
            let refused = try await client.request(.get, "/api/search/query?term=alpha+beta-gamma", as: .backend)
            #expect(
                (refused.object["error"] as? [String: Any])?["message"] as? String
                    == "The search term has 4 distinct words and word parts, more than search.maxTermTokens (3)")
            #expect(
                try await client.request(.get, "/api/search/query?term=alpha+beta+beta", as: .backend).status == 200)
        }
        for key in ["maxTermLength", "maxTermTokens"] {
            let config = Config(["search": [key: 0]], source: "app-config.yaml")
            #expect(
                throws: ConfigError(
                    "Invalid value in config for key 'search.\(key)' in 'app-config.yaml', wanted a positive integer")
            ) {
                try SearchSettings(config: config)
            }
        }
        let defaults = try SearchSettings(config: Config([:]))
        #expect(defaults.termLimits == SearchTermLimits(maxLength: 100, maxTokens: 32))
    }

    @available(macOS 15.0, *)
    @Test(
        "the worst accepted term against 2,008 documents and a 350 KB description: bounded steps, a pause every 4,096")
    func worstAcceptedQueryIsBounded() async throws {
        let index = SearchIndex(documents: Self.documents(largeBytes: 350_000))
        let term = Self.worstAcceptedTerm()
        try SearchTermLimits.defaults.check(term)
        let tokens = Tokenizer.tokens(term).count
        #expect(tokens == 30)
        let pauses = NIOLockedValueBox(0)
        var meter = WorkMeter(onPause: { pauses.withLockedValue { $0 += 1 } })
        let results = await index.search(term: term, filters: [:], meter: &meter)
        #expect(!results.isEmpty)
        // Each query token is compared at most once with each vocabulary token and visits each posting at most
        // once; one more pass over the documents checks the filters. Nothing is done per (token, document) pair.
        let bound = index.count + tokens * (index.vocabularyCount + index.postingsCount + index.count)
        #expect(meter.steps <= bound, "\(meter.steps) steps, bound \(bound)")
        // In fact far less: a query token compares only with the tokens it can match (a prefix range, three lengths)
        // and visits only the postings of those it matched.
        #expect(meter.steps < tokens * (index.vocabularyCount + index.postingsCount) / 5, "\(meter.steps) steps")
        #expect(meter.pauses == meter.steps / WorkMeter.defaultInterval)
        #expect(pauses.withLockedValue { $0 } == meter.pauses)
        #expect(meter.pauses > 0)
    }

    /// Runs every job on one thread, first come first served: a cooperative pool of one thread, on which a task that
    /// never suspends starves every other task.
    @available(macOS 15.0, *)
    final class OneThreadExecutor: TaskExecutor, @unchecked Sendable {
        private let condition = NSCondition()
        private var jobs: [UnownedJob] = []
        private var stopped = false

        /// Starts the thread.
        init() {
            Thread { [self] in run() }.start()
        }

        /// Queues `job`.
        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            condition.withLock {
                jobs.append(job)
                condition.signal()
            }
        }

        /// Lets the thread end once the queue is empty.
        func stop() {
            condition.withLock {
                stopped = true
                condition.signal()
            }
        }

        private func run() {
            while true {
                condition.lock()
                while jobs.isEmpty && !stopped { condition.wait() }
                if jobs.isEmpty {
                    condition.unlock()
                    return
                }
                let job = jobs.removeFirst()
                condition.unlock()
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
        }
    }

    /// How far the query had got when the other task ran.
    @available(macOS 15.0, *)
    final class Progress: Sendable {
        /// Pauses the query made so far, whether it is done, and its pauses when the other task got the thread.
        let state = NIOLockedValueBox((pauses: 0, done: false, seenByOther: -1))
    }

    @available(macOS 15.0, *)
    @Test("on a single thread, another task runs while the worst accepted query is under way")
    func otherTasksRunDuringAQuery() async throws {
        let index = SearchIndex(documents: Self.documents(largeBytes: 350_000))
        let term = Self.worstAcceptedTerm()
        let executor = OneThreadExecutor()
        defer { executor.stop() }
        let progress = Progress()
        await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    var meter = WorkMeter(onPause: {
                        progress.state.withLockedValue { $0.pauses += 1 }
                        await Task.yield()
                    })
                    _ = await index.search(term: term, filters: [:], meter: &meter)
                    progress.state.withLockedValue { $0.done = true }
                }
                group.addTask {
                    // Like a liveness request: it asks for the thread until the query has started.
                    while progress.state.withLockedValue({ $0.pauses == 0 && !$0.done }) { await Task.yield() }
                    progress.state.withLockedValue { $0.seenByOther = $0.pauses }
                }
            }
        }
        let (pauses, seenByOther) = progress.state.withLockedValue { ($0.pauses, $0.seenByOther) }
        #expect(seenByOther >= 1, "the other task only ran after the query")
        #expect(seenByOther < pauses, "the other task ran while the query had \(pauses - seenByOther) pauses to go")
    }
}
