import BackendKit
import Foundation

/// Which deployment's tokens each called plugin accepts, and as whom; rows are calling deployments, columns the
/// plugins called. Beside it, which plugin's plugin tokens each called plugin accepts: rows are calling plugins.
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

    /// What a called plugin makes of a calling plugin's plugin token.
    enum PluginAccess: Equatable {
        /// Accepted; the caller is `subject` (`plugin:<id>`, or `unauthenticated` where auth is off).
        case allowed(subject: String)
        /// Verified as `subject`, but `backend.auth.pluginAccess` does not list the caller (a 403 with `message`).
        case notAllowed(subject: String, message: String)
        /// Refused (a 401 with `message`): the called deployment could not verify the token, in practice because
        /// its discovery does not lead to the caller's key set.
        case refused(message: String)
        /// The caller's deployment has auth off and sends no token; the called one requires one (a 401).
        case noToken

        /// The subject of an accepted caller.
        var subject: String? {
            guard case .allowed(let subject) = self else { return nil }
            return subject
        }

        /// The message of the refusal the called plugin answers; `nil` when accepted.
        var message: String? {
            switch self {
            case .allowed: nil
            case .notAllowed(_, let message), .refused(let message): message
            case .noToken: "Missing credentials"
            }
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
    /// Plugin-token cells, by calling plugin's label, then called plugin's label.
    private var pluginCells: [String: [String: PluginAccess]] = [:]

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

    /// Records what `column` makes of a plugin token of the plugin `caller`.
    mutating func set(pluginCaller caller: Column, column: Column, access: PluginAccess) {
        pluginCells[caller.label, default: [:]][column.label] = access
    }

    /// What `column` makes of a plugin token of the plugin `caller`.
    func pluginAccess(caller: Column, column: Column) -> PluginAccess {
        pluginCells[caller.label]?[column.label] ?? .noToken
    }

    /// Two fixed-width tables with legends, for people. The first has a row per calling deployment: `yes
    /// (<subject>)`, `no`, or `no (restricted)`. The second has a row per calling plugin, for plugin tokens:
    /// `yes (plugin:<id>)`, `no (key set)`, `no (pluginAccess)` or `no`.
    func table() -> String {
        func text(_ access: Access) -> String {
            switch access {
            case .allowed(let subject): "yes (\(subject))"
            case .restricted: "no (restricted)"
            case .refused: "no"
            }
        }
        func pluginText(_ access: PluginAccess) -> String {
            switch access {
            case .allowed(let subject): "yes (\(subject))"
            case .notAllowed: "no (pluginAccess)"
            case .refused: "no (key set)"
            case .noToken: "no"
            }
        }
        let columns = columns
        let deploymentRows = deployments.map { caller in
            (caller, columns.map { text(access(caller: caller, column: $0)) })
        }
        let pluginRows = columns.map { caller in
            (caller.label, columns.map { pluginText(pluginAccess(caller: caller, column: $0)) })
        }
        return
            (grid(corner: "caller \\ called", rows: deploymentRows) + [
                "",
                "Rows call with a token signed by their first key. Columns accept tokens that one of their keys or",
                "externalAccess entries verifies; the caller then has the subject shown. 'no (restricted)': the",
                "entry's accessRestrictions exclude that plugin (a 403).",
                "",
            ] + grid(corner: "plugin \\ called", rows: pluginRows) + [
                "",
                "Rows are plugins calling with plugin tokens (on with any backend.auth). A column accepts one when",
                "its discovery.endpoints lead to the caller's key set, at the backend.listen or backend.baseUrl",
                "address of the deployment that runs the caller (a plugin not listed is looked for at the column's",
                "own deployment), and its backend.auth.pluginAccess lets the caller in. 'no (key set)': not found",
                "there (a 401; a caller with backend.auth.keys then falls back to the legacy token above).",
                "'no (pluginAccess)': a 403. 'no': the caller's deployment has auth off and sends no token.",
            ]).joined(separator: "\n") + "\n"
    }

    /// The lines of a fixed-width table: a header of column labels, then each row's cells, trailing spaces removed.
    private func grid(corner: String, rows: [(label: String, cells: [String])]) -> [String] {
        let labels = columns.map(\.label)
        let firstWidth = rows.map(\.label.count).reduce(corner.count, max)
        let widths = labels.indices.map { index in rows.map { $0.cells[index].count }.reduce(labels[index].count, max) }
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        func line(_ first: String, _ cells: [String]) -> String {
            ([pad(first, firstWidth)] + zip(cells, widths).map(pad)).joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return [line(corner, labels)] + rows.map { line($0.label, $0.cells) }
    }

    /// `{"deployments":[…],"plugins":{…},"matrix":{"caller":{"called":true}},"subjects":{"caller":{"called":"s"}},
    /// "pluginTokens":{"matrix":{…},"subjects":{…},"reasons":{…}}}` with keys in command-line order; a subject is
    /// `null` where access is refused or restricted. `pluginTokens` has a row per calling plugin (labelled as the
    /// columns are); a reason is the message of the 401 or 403 the called plugin answers, `null` where it accepts.
    func json() -> String {
        func quote(_ text: String) -> String { JSONValue.quoted(text) }
        let columns = columns
        func rows(_ cell: (Access) -> String) -> String {
            deployments.map { caller in
                let row = columns.map { "\(quote($0.label)):\(cell(access(caller: caller, column: $0)))" }
                return "\(quote(caller)):{\(row.joined(separator: ","))}"
            }.joined(separator: ",")
        }
        func pluginRows(_ cell: (PluginAccess) -> String) -> String {
            columns.map { caller in
                let row = columns.map { "\(quote($0.label)):\(cell(pluginAccess(caller: caller, column: $0)))" }
                return "\(quote(caller.label)):{\(row.joined(separator: ","))}"
            }.joined(separator: ",")
        }
        let names = deployments.map(quote).joined(separator: ",")
        let plugins = deployments.map { deployment in
            "\(quote(deployment)):[\((self.plugins[deployment] ?? [deployment]).map(quote).joined(separator: ","))]"
        }.joined(separator: ",")
        let matrix = rows { $0.subject == nil ? "false" : "true" }
        let subjects = rows { $0.subject.map(quote) ?? "null" }
        let pluginTokens =
            "{\"matrix\":{\(pluginRows { $0.subject == nil ? "false" : "true" })},"
            + "\"subjects\":{\(pluginRows { $0.subject.map(quote) ?? "null" })},"
            + "\"reasons\":{\(pluginRows { $0.message.map(quote) ?? "null" })}}"
        return "{\"deployments\":[\(names)],\"plugins\":{\(plugins)},\"matrix\":{\(matrix)},\"subjects\":{\(subjects)},"
            + "\"pluginTokens\":\(pluginTokens)}"
    }

    /// A Mermaid flowchart of the calls between deployments, for a README: an edge from each deployment to each
    /// plugin of another deployment that accepts its token, labelled with the subject; a dotted edge where an
    /// entry's `accessRestrictions` refuse it. Then the plugin tokens: a thick edge from each calling plugin to each
    /// plugin of another deployment that accepts its plugin token, labelled `plugin:<id>`; a dotted edge labelled
    /// `plugin:<id>: pluginAccess` where `backend.auth.pluginAccess` refuses it. Calls within one deployment are
    /// left out.
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
        for caller in columns {
            for column in columns where column.deployment != caller.deployment {
                let from = node(caller.label)
                let to = node(column.label)
                switch pluginAccess(caller: caller, column: column) {
                case .allowed(let subject): lines.append("    \(from) ==>|\"\(escaped(subject))\"| \(to)")
                case .notAllowed(let subject, _):
                    lines.append("    \(from) -.->|\"\(escaped(subject)): pluginAccess\"| \(to)")
                case .refused, .noToken: break
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
