import Foundation

/// Which deployment's tokens each deployment accepts; rows call, columns are called.
struct AccessMatrix: Equatable {
    /// Deployment names in the order given on the command line.
    let deployments: [String]
    private var cells: [String: [String: Bool]] = [:]

    init(deployments: [String]) {
        self.deployments = deployments
    }

    /// Records whether `callee` accepts a token minted by `caller`.
    mutating func set(caller: String, callee: String, accepted: Bool) {
        cells[caller, default: [:]][callee] = accepted
    }

    /// Whether `callee` accepts `caller`'s token.
    func accepts(caller: String, callee: String) -> Bool {
        cells[caller]?[callee] ?? false
    }

    /// A fixed-width table with a legend, for people.
    func table() -> String {
        let corner = "caller \\ called"
        let firstWidth = max(corner.count, deployments.map(\.count).max() ?? 0)
        let widths = deployments.map { max($0.count, 3) }
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        var lines: [String] = []
        lines.append(([pad(corner, firstWidth)] + zip(deployments, widths).map { pad($0, $1) }).joined(separator: "  "))
        for caller in deployments {
            let row = zip(deployments, widths).map { callee, width in
                pad(accepts(caller: caller, callee: callee) ? "yes" : "no", width)
            }
            lines.append(([pad(caller, firstWidth)] + row).joined(separator: "  "))
        }
        let body = lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        return
            (body + [
                "",
                "Rows call with a token signed by their first key; columns accept tokens any of their keys verifies.",
            ]).joined(separator: "\n") + "\n"
    }

    /// `{"deployments":[…],"matrix":{"caller":{"callee":true}}}` with keys in command-line order.
    func json() -> String {
        func quote(_ text: String) -> String {
            let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        let names = deployments.map(quote).joined(separator: ",")
        let rows = deployments.map { caller in
            let row = deployments.map { callee in
                "\(quote(callee)):\(accepts(caller: caller, callee: callee))"
            }
            return "\(quote(caller)):{\(row.joined(separator: ","))}"
        }
        return "{\"deployments\":[\(names)],\"matrix\":{\(rows.joined(separator: ","))}}"
    }
}
