import BackendKit
import Foundation

/// Which deployment's tokens each called plugin accepts, and as whom; rows are calling deployments, columns the
/// plugins called.
struct AccessMatrix: Equatable {
    /// What a called plugin makes of a caller's token.
    enum Access: Equatable {
        /// Accepted; the caller is `subject`.
        case allowed(subject: String)
        /// Accepted as `subject`, but its externalAccess entry is restricted to other plugins (a 403).
        case restricted(subject: String)
        /// Refused (a 401).
        case refused

        /// The subject of an allowed caller.
        var subject: String? {
            guard case .allowed(let subject) = self else { return nil }
            return subject
        }
    }

    /// A called plugin: the deployment that runs it and the plugin id.
    struct Column: Equatable {
        /// The deployment.
        let deployment: String
        /// The plugin id.
        let plugin: String

        /// The plugin id when the deployment is named after it (`catalog`), else `deployment/plugin`.
        var label: String { deployment == plugin ? plugin : "\(deployment)/\(plugin)" }
    }

    /// Deployment names in the order given on the command line.
    let deployments: [String]
    /// The plugins each deployment runs, in the same order.
    let plugins: [String: [String]]
    private var cells: [String: [String: Access]] = [:]

    init(deployments: [String], plugins: [String: [String]]) {
        self.deployments = deployments
        self.plugins = plugins
    }

    /// Every called plugin, deployment by deployment.
    var columns: [Column] {
        deployments.flatMap { deployment in
            (plugins[deployment] ?? [deployment]).map { Column(deployment: deployment, plugin: $0) }
        }
    }

    /// Records what `column` makes of `caller`'s token.
    mutating func set(caller: String, column: Column, access: Access) {
        cells[caller, default: [:]][column.label] = access
    }

    /// What `column` makes of `caller`'s token.
    func access(caller: String, column: Column) -> Access {
        cells[caller]?[column.label] ?? .refused
    }

    /// A fixed-width table with a legend, for people: `yes (<subject>)`, `no`, or `no (restricted)`.
    func table() -> String {
        let corner = "caller \\ called"
        let columns = columns
        func text(_ access: Access) -> String {
            switch access {
            case .allowed(let subject): "yes (\(subject))"
            case .restricted: "no (restricted)"
            case .refused: "no"
            }
        }
        let firstWidth = max(corner.count, deployments.map(\.count).max() ?? 0)
        let widths = columns.map { column in
            deployments.map { text(access(caller: $0, column: column)).count }.reduce(column.label.count, max)
        }
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        var lines: [String] = []
        lines.append(
            ([pad(corner, firstWidth)] + zip(columns, widths).map { pad($0.label, $1) }).joined(separator: "  "))
        for caller in deployments {
            let row = zip(columns, widths).map { column, width in
                pad(text(access(caller: caller, column: column)), width)
            }
            lines.append(([pad(caller, firstWidth)] + row).joined(separator: "  "))
        }
        let body = lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        return
            (body + [
                "",
                "Rows call with a token signed by their first key. Columns accept tokens that one of their keys or",
                "externalAccess entries verifies; the caller then has the subject shown. 'no (restricted)': the",
                "entry's accessRestrictions exclude that plugin (a 403).",
            ]).joined(separator: "\n") + "\n"
    }

    /// `{"deployments":[…],"plugins":{…},"matrix":{"caller":{"called":true}},"subjects":{"caller":{"called":"s"}}}`
    /// with keys in command-line order; a subject is `null` where access is refused or restricted.
    func json() -> String {
        func quote(_ text: String) -> String { JSONValue.quoted(text) }
        let columns = columns
        func rows(_ cell: (Access) -> String) -> String {
            deployments.map { caller in
                let row = columns.map { "\(quote($0.label)):\(cell(access(caller: caller, column: $0)))" }
                return "\(quote(caller)):{\(row.joined(separator: ","))}"
            }.joined(separator: ",")
        }
        let names = deployments.map(quote).joined(separator: ",")
        let plugins = deployments.map { deployment in
            "\(quote(deployment)):[\((self.plugins[deployment] ?? [deployment]).map(quote).joined(separator: ","))]"
        }.joined(separator: ",")
        let matrix = rows { $0.subject == nil ? "false" : "true" }
        let subjects = rows { $0.subject.map(quote) ?? "null" }
        return "{\"deployments\":[\(names)],\"plugins\":{\(plugins)},\"matrix\":{\(matrix)},\"subjects\":{\(subjects)}}"
    }

    /// A Mermaid flowchart of the calls between deployments, for a README: an edge from each deployment to each
    /// plugin of another deployment that accepts its token, labelled with the subject; a dotted edge where an
    /// entry's `accessRestrictions` refuse it. A deployment calling its own plugins is left out.
    func mermaid() -> String {
        let columns = columns
        var ids: [String: String] = [:]
        var lines = ["flowchart LR"]
        func escaped(_ text: String) -> String { text.replacingOccurrences(of: "\"", with: "#quot;") }
        func node(_ label: String) -> String {
            if let id = ids[label] { return id }
            let id = "n\(ids.count)"
            ids[label] = id
            lines.append("    \(id)[\"\(escaped(label))\"]")
            return id
        }
        for deployment in deployments { _ = node(deployment) }
        for column in columns { _ = node(column.label) }
        for caller in deployments {
            for column in columns where column.deployment != caller {
                let from = node(caller)
                let to = node(column.label)
                switch access(caller: caller, column: column) {
                case .allowed(let subject): lines.append("    \(from) -->|\"\(escaped(subject))\"| \(to)")
                case .restricted(let subject):
                    lines.append("    \(from) -.->|\"\(escaped(subject)): restricted\"| \(to)")
                case .refused: break
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
