extension ConfigLoader {
    /// Merges `higher` over `lower`: objects deep-merge, everything else is replaced whole (so an explicit
    /// `null` replaces and blocks). An absent `higher` (missing environment variable) lets `lower` show
    /// through.
    static func merge(_ lower: ConfigNode, _ higher: ConfigNode) -> ConfigNode {
        switch (lower.content, higher.content) {
        case (.absent(let lowerVariable), .absent(let higherVariable)):
            return higherVariable != nil || lowerVariable == nil ? higher : lower
        case (_, .absent):
            return lower
        case (.object(let lowerObject), .object(let higherObject)):
            var merged = lowerObject
            for (key, node) in higherObject.entries {
                merged.set(key, merged[key].map { merge($0, node) } ?? node)
            }
            return ConfigNode(.object(merged), source: higher.source)
        default:
            return higher
        }
    }
}
