/// An immutable in-memory index of catalog documents with lunr-like ranking.
///
/// Every query token contributes its best match in each document: exact token (10), prefix of
/// a token (4, for query tokens of two or more characters), or one edit away (1, for query
/// tokens of four or more characters; a swap of neighbours counts as one edit); matches in the title count three times. A document
/// matches when any token does (as lunr's default), and the score is scaled by the share of
/// query tokens that matched, so documents matching every token come first. Ties are ordered
/// by title and location. An empty term matches every document, ordered by title.
///
/// The work of a query is bounded and shared out: the distinct tokens of all documents form one sorted vocabulary,
/// each with the documents whose title or body holds it. A query token is compared once with the vocabulary tokens
/// that can match it (the sorted range it is a prefix of, and the tokens one character shorter, as long or longer),
/// never once per document, and then visits the documents of the tokens it matched. A query therefore costs about
/// (query tokens) × (vocabulary + postings) steps, which the term limits of ``SearchSettings`` bound, and
/// ``search(term:filters:meter:)`` yields its thread every ``WorkMeter/defaultInterval`` steps, so a query over a
/// large index never holds a cooperative-pool thread for long.
struct SearchIndex: Sendable {
    /// One document with what sorting needs.
    private struct Entry: Sendable {
        /// The document.
        let document: CatalogEntityDocument
        /// Its title, lower-cased once for sorting.
        let sortTitle: String
    }

    /// One distinct token of the documents and where it occurs.
    private struct Term: Sendable {
        /// The token.
        let text: String
        /// Its characters, for the one-edit comparison.
        let characters: [Character]
        /// ``SearchIndex/characterMask(_:)`` of its characters.
        let mask: UInt64
        /// The entries whose title holds it, ascending.
        let titlePostings: [Int32]
        /// The entries whose body holds it, ascending.
        let bodyPostings: [Int32]
    }

    private let entries: [Entry]
    /// Every distinct token, sorted by `String` order (so the tokens a query token is a prefix of are one range).
    private let vocabulary: [Term]
    /// Vocabulary positions by token, for exact matches.
    private let positions: [String: Int32]
    /// Vocabulary positions by the token's length in characters, for one-edit matches.
    private let byLength: [Int: [Int32]]

    /// The number of documents.
    var count: Int { entries.count }

    /// The number of distinct tokens over all documents.
    var vocabularyCount: Int { vocabulary.count }

    /// The number of (token, document, title or body) postings: what the tokens' document lists hold together.
    var postingsCount: Int { vocabulary.reduce(0) { $0 + $1.titlePostings.count + $1.bodyPostings.count } }

    /// An index of `documents`.
    init(documents: [CatalogEntityDocument] = []) {
        var title: [String: [Int32]] = [:]
        var body: [String: [Int32]] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(documents.count)
        for (position, document) in documents.enumerated() {
            let index = Int32(truncatingIfNeeded: position)
            entries.append(Entry(document: document, sortTitle: document.title.lowercased()))
            for token in Tokenizer.tokens(document.title) {
                title[token, default: []].append(index)
            }
            let text = [
                document.text, document.kind, document.type, document.lifecycle, document.owner, document.namespace,
            ]
            .joined(separator: " ")
            for token in Set(Tokenizer.tokens(text)).union(Tokenizer.tokens(document.location)) {
                body[token, default: []].append(index)
            }
        }
        let texts = Set(title.keys).union(body.keys).sorted()
        var vocabulary: [Term] = []
        vocabulary.reserveCapacity(texts.count)
        var positions: [String: Int32] = [:]
        positions.reserveCapacity(texts.count)
        var byLength: [Int: [Int32]] = [:]
        for text in texts {
            let position = Int32(truncatingIfNeeded: vocabulary.count)
            let characters = Array(text)
            vocabulary.append(
                Term(
                    text: text, characters: characters, mask: Self.characterMask(characters),
                    titlePostings: title[text] ?? [], bodyPostings: body[text] ?? []))
            positions[text] = position
            byLength[characters.count, default: []].append(position)
        }
        self.entries = entries
        self.vocabulary = vocabulary
        self.positions = positions
        self.byLength = byLength
    }

    /// The documents matching `term` and every filter (field name → accepted values,
    /// case-insensitive), best first, with their scores.
    func search(
        term: String, filters: [String: [String]] = [:]
    ) async -> [(document: CatalogEntityDocument, score: Double)] {
        var meter = WorkMeter()
        return await search(term: term, filters: filters, meter: &meter)
    }

    /// ``search(term:filters:)``, charging every step to `meter`, which pauses (yields the thread) at its interval.
    ///
    /// Steps: one per document checked against the filters, one per vocabulary token compared with a query token,
    /// one per posting visited, and one per document a query token matched.
    func search(
        term: String, filters: [String: [String]], meter: inout WorkMeter
    ) async -> [(document: CatalogEntityDocument, score: Double)] {
        let queryTokens = Tokenizer.tokens(term)
        let accepted = filters.mapValues { Set($0.map { $0.lowercased() }) }
        var passes = [Bool](repeating: false, count: entries.count)
        for (position, entry) in entries.enumerated() {
            passes[position] = Self.passes(entry.document, accepted)
            if meter.charge() { await meter.pause() }
        }
        var results: [(entry: Entry, score: Double)] = []
        if queryTokens.isEmpty {
            for (position, entry) in entries.enumerated() where passes[position] {
                results.append((entry, 0))
            }
        } else {
            var total = [Double](repeating: 0, count: entries.count)
            var matched = [Int32](repeating: 0, count: entries.count)
            // The best match of the current query token in each entry's title and body (0, 1, 4 or 10).
            var titleBest = [UInt8](repeating: 0, count: entries.count)
            var bodyBest = [UInt8](repeating: 0, count: entries.count)
            var touched: [Int32] = []
            for token in queryTokens {
                for (position, score) in await matches(of: token, meter: &meter) {
                    let term = vocabulary[Int(position)]
                    for entry in term.titlePostings {
                        let index = Int(entry)
                        if titleBest[index] == 0 && bodyBest[index] == 0 { touched.append(entry) }
                        titleBest[index] = max(titleBest[index], score)
                        if meter.charge() { await meter.pause() }
                    }
                    for entry in term.bodyPostings {
                        let index = Int(entry)
                        if titleBest[index] == 0 && bodyBest[index] == 0 { touched.append(entry) }
                        bodyBest[index] = max(bodyBest[index], score)
                        if meter.charge() { await meter.pause() }
                    }
                }
                for entry in touched {
                    let index = Int(entry)
                    if passes[index] {
                        total[index] += 3 * Double(titleBest[index]) + Double(bodyBest[index])
                        matched[index] += 1
                    }
                    titleBest[index] = 0
                    bodyBest[index] = 0
                    if meter.charge() { await meter.pause() }
                }
                touched.removeAll(keepingCapacity: true)
            }
            for (position, entry) in entries.enumerated() where matched[position] > 0 {
                results.append((entry, total[position] * Double(matched[position]) / Double(queryTokens.count)))
            }
        }
        results.sort { left, right in
            if left.score != right.score { return left.score > right.score }
            if left.entry.sortTitle != right.entry.sortTitle { return left.entry.sortTitle < right.entry.sortTitle }
            return left.entry.document.location < right.entry.document.location
        }
        return results.map { ($0.entry.document, $0.score) }
    }

    /// The vocabulary tokens `token` matches, with the score of the match: 10 for the token itself, 4 for a token it
    /// is a prefix of (when it has two or more characters), 1 for a token one edit away (when it has four or more).
    private func matches(of token: String, meter: inout WorkMeter) async -> [(position: Int32, score: UInt8)] {
        var found: [Int32: UInt8] = [:]
        if let exact = positions[token] { found[exact] = 10 }
        let characters = Array(token)
        if characters.count >= 2 {
            // Every token that `token` is a prefix of sorts at or after it and before it followed by the highest
            // scalar, which no token holds (tokens are letters, digits, '-', '_' and '.').
            let end = Self.lowerBound(of: token + "\u{10FFFF}", in: vocabulary)
            var position = Self.lowerBound(of: token, in: vocabulary)
            while position < end {
                if found[Int32(position)] == nil, vocabulary[position].text.hasPrefix(token) {
                    found[Int32(position)] = 4
                }
                position += 1
                if meter.charge() { await meter.pause() }
            }
        }
        if characters.count >= 4 {
            let mask = Self.characterMask(characters)
            for length in (characters.count - 1)...(characters.count + 1) {
                for position in byLength[length] ?? [] {
                    let candidate = vocabulary[Int(position)]
                    // One edit changes at most two bits of the mask: most candidates are ruled out by that alone.
                    if (mask ^ candidate.mask).nonzeroBitCount <= 2, found[position] == nil,
                        Self.isOneEditAway(characters, candidate.characters)
                    {
                        found[position] = 1
                    }
                    if meter.charge() { await meter.pause() }
                }
            }
        }
        return found.map { ($0.key, $0.value) }
    }

    /// A set of the characters of a token, as bits: an ASCII character sets bit `value % 63`, any other character
    /// bit 63. Equal characters set the same bit, so tokens one edit apart (one character added, removed, replaced
    /// or two swapped) differ in at most two bits.
    static func characterMask(_ characters: [Character]) -> UInt64 {
        var mask: UInt64 = 0
        for character in characters {
            if let ascii = character.asciiValue {
                mask |= 1 << UInt64(ascii % 63)
            } else {
                mask |= 1 << 63
            }
        }
        return mask
    }

    /// The first position in `vocabulary` whose token is not less than `text`.
    private static func lowerBound(of text: String, in vocabulary: [Term]) -> Int {
        var low = 0
        var high = vocabulary.count
        while low < high {
            let middle = (low + high) / 2
            if vocabulary[middle].text < text {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    private static func passes(_ document: CatalogEntityDocument, _ filters: [String: Set<String>]) -> Bool {
        filters.allSatisfy { field, accepted in
            guard let value = document.field(field)?.lowercased() else { return false }
            return accepted.contains(value)
        }
    }

    /// Whether `a` becomes `b` with one insertion, deletion, substitution or swap of two
    /// neighbouring characters.
    static func isOneEditAway(_ a: String, _ b: String) -> Bool {
        isOneEditAway(Array(a), Array(b))
    }

    /// The same check on characters, without allocating.
    static func isOneEditAway(_ left: [Character], _ right: [Character]) -> Bool {
        guard abs(left.count - right.count) <= 1 else { return false }
        if left.count == right.count {
            // One substitution, or one swap of neighbours; equal arrays are no edit.
            var first = -1
            var second = -1
            for index in left.indices where left[index] != right[index] {
                if first < 0 {
                    first = index
                } else if second < 0 {
                    second = index
                } else {
                    return false
                }
            }
            if first < 0 { return false }
            if second < 0 { return true }
            return second == first + 1 && left[first] == right[second] && left[second] == right[first]
        }
        // One insertion or deletion: skip one character of the longer side at the first difference.
        let (longer, shorter) = left.count > right.count ? (left, right) : (right, left)
        var index = 0
        while index < shorter.count, longer[index] == shorter[index] { index += 1 }
        while index < shorter.count {
            if longer[index + 1] != shorter[index] { return false }
            index += 1
        }
        return true
    }
}

/// Counts the steps of one query and says when it is time to yield the thread, so that a long query lets the other
/// tasks of the cooperative pool (liveness, other requests) run in between.
struct WorkMeter {
    /// Steps between two pauses by default: well under a millisecond of work in a release build.
    static let defaultInterval = 4096

    /// Steps between two pauses.
    let interval: Int
    /// What a pause does: `Task.yield()`, or what a test gives.
    let onPause: @Sendable () async -> Void
    /// Steps charged so far.
    private(set) var steps = 0
    /// Pauses made so far.
    private(set) var pauses = 0
    /// Steps since the last pause.
    private var sincePause = 0

    /// A meter pausing every `interval` steps (at least 1) with `onPause`.
    init(
        interval: Int = WorkMeter.defaultInterval,
        onPause: @escaping @Sendable () async -> Void = { await Task.yield() }
    ) {
        self.interval = max(1, interval)
        self.onPause = onPause
    }

    /// Charges one step; returns whether a pause is due.
    @inline(__always)
    mutating func charge() -> Bool {
        steps += 1
        sincePause += 1
        return sincePause >= interval
    }

    /// Pauses and starts counting towards the next pause.
    mutating func pause() async {
        sincePause = 0
        pauses += 1
        await onPause()
    }
}
