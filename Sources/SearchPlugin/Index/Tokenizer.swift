/// Splits text into lower-cased search tokens: whole words (`my-service`) and their parts
/// (`my`, `service`).
enum Tokenizer {
    /// The tokens of `text`, without duplicates, in first-seen order.
    static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var seen: Set<String> = []
        func add(_ token: String) {
            if !token.isEmpty, seen.insert(token).inserted {
                result.append(token)
            }
        }
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        for word in words {
            let trimmed = word.trimming(["-", "_", "."])
            add(trimmed)
            for part in trimmed.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "." }) {
                add(String(part))
            }
        }
        return result
    }
}

extension Substring {
    /// The text without leading and trailing `characters`.
    fileprivate func trimming(_ characters: Set<Character>) -> String {
        guard let start = firstIndex(where: { !characters.contains($0) }),
            let end = lastIndex(where: { !characters.contains($0) })
        else { return "" }
        return String(self[start...end])
    }
}
