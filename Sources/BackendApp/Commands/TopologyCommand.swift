import ArgumentParser
import BackendAuth
import BackendConfig
import Foundation
import Logging

/// `backend topology`: which deployment's tokens each other deployment accepts.
///
/// Each file is one deployment's config. A row is the calling deployment, which signs with its first key (or sends
/// no token when it has none); a column is the deployment called, which accepts a token any of its keys verifies.
/// Every cell is decided by minting a real token with the caller's manager and authenticating it with the callee's.
struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Print the access matrix of several deployments' configs."
    )

    /// Output formats of `topology`.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(help: "One config file per deployment; deployments are named by file name.")
    var files: [String]

    @Option(help: "Output format: text or json.")
    var format: Format = .text

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
        for file in files {
            let name = Self.deploymentName(file)
            do {
                let loaded = try ConfigLoader().load(paths: [file])
                let selection = try TokenManagerPolicy.resolve(
                    config: loaded.config,
                    logger: logger,
                    environment: environment
                )
                deployments.append((name, selection.manager))
            } catch {
                throw CommandFailure("Deployment '\(name)' (\(file)): \(error)")
            }
        }
        var matrix = AccessMatrix(deployments: deployments.map(\.name))
        for caller in deployments {
            let token = try await caller.manager.getToken().token
            for callee in deployments {
                let accepted: Bool
                do {
                    try await callee.manager.authenticate(token)
                    accepted = true
                } catch {
                    accepted = false
                }
                matrix.set(caller: caller.name, callee: callee.name, accepted: accepted)
            }
        }
        switch format {
        case .text:
            print(matrix.table(), terminator: "")
        case .json:
            print(matrix.json())
        }
    }

    /// `Examples/three-deployments/catalog.yaml` → `catalog`.
    static func deploymentName(_ path: String) -> String {
        let file = URL(fileURLWithPath: path).lastPathComponent
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }
}
