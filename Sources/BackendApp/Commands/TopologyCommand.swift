import ArgumentParser
import BackendAuth
import BackendConfig
import BackendKit
import Foundation
import Logging

/// `backend topology`: which deployment's tokens each plugin of each other deployment accepts, and as whom.
///
/// Each file is one deployment's config (so, unlike the other commands, it has no default files; each file read is
/// named on standard error). A row is the calling deployment, which signs with its first key (or sends
/// no token when it has none); a column is a plugin called, run by a deployment that accepts a token any of its keys
/// or `backend.auth.externalAccess` entries verifies. A deployment runs the plugin it is named after, unless
/// `--plugins <deployment>=<id>,…` says otherwise. Every cell is decided by minting a real token with the caller's
/// manager, authenticating it with the callee's (the same policy the host uses) and checking the principal's
/// `accessRestrictions` against the plugin, so a cell shows the subject the caller gets.
///
/// Beside it, plugin-token trust: a row per calling plugin, the same columns. A plugin signs plugin tokens when its
/// deployment has auth on (any `backend.auth`, `pluginKeyStore` alone included). A column accepts one when the
/// called deployment's discovery (`discovery.endpoints`; a plugin not listed there resolves to the called
/// deployment's own listen address) leads to the caller's key set, and its `backend.auth.pluginAccess` lets the
/// caller in (a plugin not listed accepts every plugin whose keys verify). The caller's key set is found when the
/// URL discovery gives is `<address>/api/<caller>/.backstage/auth/v1/jwks.json` for an address of the deployment
/// that runs the caller: its `backend.listen` (a wildcard host as `127.0.0.1`) or its `backend.baseUrl`, compared by
/// scheme, host, port and path, with `localhost`, `127.0.0.1` and `::1` as one host; a URL at the called deployment's
/// own address is answered by it alone (its own address reaches itself, whoever else listens on the same port
/// elsewhere), and a URL at no given deployment's address (a proxy, another machine's name) counts as not found. Such a cell is decided by minting a real plugin
/// token with the caller's issuer and verifying it with the called deployment's verifier and `pluginAccess`, only
/// the key set fetch answered from the configs; so it shows the subject (`plugin:<id>`) or the exact 401 or 403
/// message the called plugin would answer. Whether the caller's discovery routes its calls to that deployment is
/// not part of a cell (as for the first table: a cell says what the called plugin accepts). A `yes` cell of the
/// first table can stand beside a `no (key set)` one: a caller with `backend.auth.keys` falls back to its legacy
/// token when a plugin token gets a 401.
struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Print the access matrix of several deployments' configs."
    )

    /// Output formats of `topology`.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
        case mermaid
    }

    @Argument(help: "One config file per deployment; deployments are named by file name.")
    var files: [String]

    @Option(help: "Output format: text, json or mermaid.")
    var format: Format = .text

    @Option(
        name: .customLong("plugins"),
        help: ArgumentHelp(
            "The plugins a deployment runs, as <deployment>=<id>,<id> (repeatable); default: the plugin named like "
                + "the deployment.",
            valueName: "deployment=ids"
        )
    )
    var pluginLists: [String] = []

    @Option(help: "Environment the deployments run in (development or production). Default: BACKEND_ENV.")
    var env: BackendEnvironment?

    func validate() throws {
        guard !files.isEmpty else {
            throw ValidationError("Pass at least one deployment config file.")
        }
        let names = files.map(Self.deploymentName)
        guard Set(names).count == names.count else {
            throw ValidationError("Deployment names (file names without extension) must be unique: \(names).")
        }
        _ = try plugins(of: names)
    }

    /// The plugins each deployment runs, from `--plugins`.
    func plugins(of deployments: [String]) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for list in pluginLists {
            let parts = list.split(separator: "=", maxSplits: 1).map(String.init)
            let ids = parts.count == 2 ? parts[1].split(separator: ",").map(String.init) : []
            guard parts.count == 2, deployments.contains(parts[0]), !ids.isEmpty, !ids.contains(where: \.isEmpty)
            else {
                throw ValidationError(
                    "--plugins takes <deployment>=<id>,<id> with a deployment of \(deployments), got '\(list)'.")
            }
            result[parts[0]] = ids
        }
        return result
    }

    func run() async throws {
        let environment: BackendEnvironment
        do {
            environment = try env ?? BackendEnvironment.fromProcess()
        } catch {
            throw CommandFailure("\(error)")
        }
        var logger = Logger(label: "backend.topology")
        logger.logLevel = .error
        var deployments: [(name: String, manager: any TokenManager)] = []
        var trusted: [PluginTokenTrust.Deployment] = []
        let pluginLists = try plugins(of: files.map(Self.deploymentName))
        for file in files {
            let name = Self.deploymentName(file)
            do {
                let loaded = try ConfigLoader().load(paths: [file])
                StandardError.write("Loaded config from \(loaded.files.joined(separator: ", "))")
                let selection = try TokenManagerPolicy.resolve(
                    config: loaded.config,
                    logger: logger,
                    environment: environment
                )
                deployments.append((name, selection.manager))
                trusted.append(
                    PluginTokenTrust.Deployment(
                        name: name, plugins: pluginLists[name] ?? [name], selection: selection,
                        discovery: try HostDiscovery.fromConfig(loaded.config)))
            } catch {
                throw CommandFailure("Deployment '\(name)' (\(file)): \(error)")
            }
        }
        var matrix = AccessMatrix(deployments: deployments.map(\.name), plugins: pluginLists)
        let managers = Dictionary(uniqueKeysWithValues: deployments.map { ($0.name, $0.manager) })
        for caller in deployments {
            // A deployment without backend.auth.keys signs no legacy token (its plugins call with plugin tokens).
            let token = (try? await caller.manager.getToken().token) ?? ""
            for column in matrix.columns {
                let access: AccessMatrix.Access
                do {
                    let principal = try await managers[column.deployment]?.authenticate(token)
                    if let principal {
                        access =
                            principal.mayAccess(pluginId: column.plugin)
                            ? .allowed(subject: principal.subject) : .restricted(subject: principal.subject)
                    } else {
                        access = .refused
                    }
                } catch {
                    access = .refused
                }
                matrix.set(caller: caller.name, column: column, access: access)
            }
        }
        let trust: PluginTokenTrust
        do {
            trust = try PluginTokenTrust(deployments: trusted, logger: logger)
        } catch {
            throw CommandFailure("Cannot make plugin keys: \(error)")
        }
        for caller in matrix.columns {
            for column in matrix.columns {
                matrix.set(
                    pluginCaller: caller, column: column, access: await trust.access(caller: caller, called: column))
            }
        }
        switch format {
        case .text:
            print(matrix.table(), terminator: "")
        case .json:
            print(matrix.json())
        case .mermaid:
            print(matrix.mermaid(), terminator: "")
        }
    }

    /// `Examples/three-deployments/catalog.yaml` → `catalog`.
    static func deploymentName(_ path: String) -> String {
        let file = URL(fileURLWithPath: path).lastPathComponent
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }
}
