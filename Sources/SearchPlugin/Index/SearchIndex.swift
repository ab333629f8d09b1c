/// An immutable in-memory index of catalog documents with lunr-like ranking.
///
/// Every query token contributes its best match in each document: exact token (10), prefix of
/// a token (4, for query tokens of two or more characters), or one edit away (1, for query
/// tokens of four or more characters; a swap of neighbours counts as one edit); matches in the title count three times. A document
/// matches when any token does (as lunr's default), and the score is scaled by the share of
/// query tokens that matched, so documents matching every token come first. Ties are ordered
/// by title and location. An empty term matches every document, ordered by title.
struct SearchIndex: Sendable {
    private struct Entry: Sendable {
        let document: CatalogEntityDocument
        let titleTokens: Set<String>
        let bodyTokens: Set<String>
    }

    private let entries: [Entry]

    /// The number of documents.
    var count: Int { entries.count }

    /// An index of `documents`.
    init(documents: [CatalogEntityDocument] = []) {
        entries = documents.map { document in
            let titleTokens = Set(Tokenizer.tokens(document.title))
            let body = [
                document.text, document.kind, document.type, document.lifecycle, document.owner, document.namespace,
            ]
            .joined(separator: " ")
            return Entry(
                document: document, titleTokens: titleTokens,
                bodyTokens: Set(Tokenizer.tokens(body)).union(Tokenizer.tokens(document.location)))
        }
    }

    /// The documents matching `term` and every filter (field name → accepted values,
    /// case-insensitive), best first, with their scores.
    func search(term: String, filters: [String: [String]] = [:]) -> [(document: CatalogEntityDocument, score: Double)] {
        let queryTokens = Tokenizer.tokens(term)
        var results: [(document: CatalogEntityDocument, score: Double)] = []
        for entry in entries where Self.passes(entry.document, filters) {
            if queryTokens.isEmpty {
                results.append((entry.document, 0))
                continue
            }
            var total = 0.0
            var matched = 0
            for token in queryTokens {
                let score = 3 * Self.score(token, in: entry.titleTokens) + Self.score(token, in: entry.bodyTokens)
                if score > 0 {
                    total += score
                    matched += 1
                }
            }
            if matched > 0 {
                results.append((entry.document, total * Double(matched) / Double(queryTokens.count)))
            }
        }
        return results.sorted { left, right in
            if left.score != right.score { return left.score > right.score }
            if left.document.title.lowercased() != right.document.title.lowercased() {
                return left.document.title.lowercased() < right.document.title.lowercased()
            }
            return left.document.location < right.document.location
        }
    }

    private static func passes(_ document: CatalogEntityDocument, _ filters: [String: [String]]) -> Bool {
        filters.allSatisfy { field, accepted in
            guard let value = document.field(field)?.lowercased() else { return false }
            return accepted.contains { $0.lowercased() == value }
        }
    }

    private static func score(_ token: String, in tokens: Set<String>) -> Double {
        if tokens.contains(token) { return 10 }
        var best = 0.0
        for candidate in tokens {
            if token.count >= 2, candidate.hasPrefix(token) {
                best = max(best, 4)
            } else if best < 1, token.count >= 4, isOneEditAway(token, candidate) {
                best = 1
            }
        }
        return best
    }

    /// Whether `a` becomes `b` with one insertion, deletion, substitution or swap of two
    /// neighbouring characters.
    static func isOneEditAway(_ a: String, _ b: String) -> Bool {
        let left = Array(a)
        let right = Array(b)
        guard abs(left.count - right.count) <= 1, left != right else { return false }
        if left.count == right.count {
            let differences = left.indices.filter { left[$0] != right[$0] }
            if differences.count == 2, differences[1] == differences[0] + 1,
                left[differences[0]] == right[differences[1]], left[differences[1]] == right[differences[0]]
            {
                return true
            }
        }
        var i = 0
        var j = 0
        var edits = 0
        while i < left.count, j < right.count {
            if left[i] == right[j] {
                i += 1
                j += 1
                continue
            }
            edits += 1
            if edits > 1 { return false }
            if left.count > right.count {
                i += 1
            } else if left.count < right.count {
                j += 1
            } else {
                i += 1
                j += 1
            }
        }
        return edits + (left.count - i) + (right.count - j) <= 1
    }
}
