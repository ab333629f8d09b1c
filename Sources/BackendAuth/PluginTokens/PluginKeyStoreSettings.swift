import BackendConfig
import Foundation

/// `backend.auth.pluginKeyStore`: where this deployment's plugin token keys come from.
///
/// ```yaml
/// backend:
///   auth:
///     pluginKeyStore:
///       type: static              # or database (the default)
///       keyDuration: {hours: 1}   # any duration form; tokens live this long
///       static:
///         keys:
///           - publicKeyFile: keys/public.pem    # relative to this config file
///             privateKeyFile: keys/private.pem  # the first pair signs, so it needs one
///             keyId: key-1
/// ```
public struct PluginKeyStoreSettings: Sendable, Equatable {
    /// The config key.
    public static let configKey = "backend.auth.pluginKeyStore"
    /// The key duration when none is configured: one hour.
    public static let defaultKeyDurationSeconds = 3600

    /// `type`.
    public enum StoreType: String, Sendable, Equatable, CaseIterable {
        /// A generated key pair per key duration, public keys in each plugin's database.
        case database
        /// Key pairs from PEM files.
        case `static`
    }

    /// One `static.keys` entry, its paths made absolute.
    public struct StaticKey: Sendable, Equatable {
        /// `publicKeyFile`: an SPKI PEM file.
        public let publicKeyFile: String
        /// `privateKeyFile`: a PKCS#8 PEM file.
        public let privateKeyFile: String?
        /// `keyId`: the `kid`.
        public let keyId: String
        /// `algorithm`: `ES256` by default (the only one supported).
        public let algorithm: String
        /// The entry's config key, for messages (`backend.auth.pluginKeyStore.static.keys[0]`).
        public let configKey: String
    }

    /// The store type.
    public let type: StoreType
    /// `keyDuration` in whole seconds.
    public let keyDurationSeconds: Int
    /// `static.keys` (read only for the `static` type).
    public let staticKeys: [StaticKey]

    /// Whether `backend.auth.pluginKeyStore` is set.
    public static func isConfigured(in config: Config) -> Bool {
        config.getOptional(configKey).map { if case .null = $0 { false } else { true } } ?? false
    }

    /// The settings of `config`; the defaults (database, one hour) when the section is absent. Relative key files
    /// resolve against the directory of the config file that names them (else `workingDirectory`).
    ///
    /// - Throws: `ConfigError` for a mistyped value, ``PluginKeyStoreConfigurationError`` for an unknown type or a
    ///   key duration under one second.
    public static func fromConfig(
        _ config: Config, workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> PluginKeyStoreSettings {
        let typeKey = "\(configKey).type"
        let type: StoreType
        if let name = try config.getOptionalString(typeKey) {
            guard let known = StoreType(rawValue: name) else {
                let location = config.source(of: typeKey)?.location ?? "config"
                throw PluginKeyStoreConfigurationError(
                    "Invalid \(typeKey) '\(name)' in \(location); expected 'database' or 'static'")
            }
            type = known
        } else {
            type = .database
        }
        let durationKey = "\(configKey).keyDuration"
        var seconds = defaultKeyDurationSeconds
        if let duration = try config.getOptionalDuration(durationKey) {
            let milliseconds = Double(duration.milliseconds)
            guard milliseconds >= 1000 else {
                let location = config.source(of: durationKey)?.location ?? "config"
                throw PluginKeyStoreConfigurationError(
                    "\(durationKey) in \(location) must be at least 1 second; tokens live as long as a key signs")
            }
            seconds = Int((milliseconds / 1000).rounded())
        }
        var keys: [StaticKey] = []
        if type == .static {
            for entry in try config.getOptionalConfigArray("\(configKey).static.keys") ?? [] {
                keys.append(try staticKey(entry, workingDirectory: workingDirectory))
            }
        }
        return PluginKeyStoreSettings(type: type, keyDurationSeconds: seconds, staticKeys: keys)
    }

    private static func staticKey(_ entry: Config, workingDirectory: String) throws -> StaticKey {
        func path(_ key: String) throws -> String? {
            guard let value = try entry.getOptionalString(key) else { return nil }
            return resolve(value, declaredIn: entry.source(of: key), workingDirectory: workingDirectory)
        }
        return StaticKey(
            publicKeyFile: try path("publicKeyFile") ?? entry.getString("publicKeyFile"),
            privateKeyFile: try path("privateKeyFile"), keyId: try entry.getString("keyId"),
            algorithm: try entry.getOptionalString("algorithm") ?? PluginPublicKey.algorithm, configKey: entry.prefix)
    }

    /// `path` made absolute against the directory of the config file that declared it.
    static func resolve(_ path: String, declaredIn source: ConfigSource?, workingDirectory: String) -> String {
        if path.hasPrefix("/") { return path }
        var base = workingDirectory
        if let file = source?.name, !file.hasPrefix("<"), file != ConfigSource.environment.name {
            let directory = (file as NSString).deletingLastPathComponent
            base =
                directory.hasPrefix("/") ? directory : (workingDirectory as NSString).appendingPathComponent(directory)
        }
        return ((base as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }

    /// Every problem the host would stop at: the section's values, and for the `static` type each key file on its
    /// own (so one bad file does not hide another) and Backstage's two checks of the list.
    public static func problems(
        in config: Config, workingDirectory: String = FileManager.default.currentDirectoryPath
    ) -> [String] {
        let settings: PluginKeyStoreSettings
        do {
            settings = try fromConfig(config, workingDirectory: workingDirectory)
        } catch {
            return ["\(error)"]
        }
        guard settings.type == .static else { return [] }
        guard let first = settings.staticKeys.first else { return [StaticPluginKeySource.noKeysMessage] }
        var problems: [String] = []
        if first.privateKeyFile == nil { problems.append(StaticPluginKeySource.noSigningKeyMessage) }
        for key in settings.staticKeys {
            do {
                _ = try key.load()
            } catch {
                problems.append(error.message)
            }
        }
        return problems
    }

    /// The key source for the `static` type.
    ///
    /// - Throws: ``PluginKeyStoreConfigurationError`` naming the key and file that cannot be loaded.
    public func staticKeySource() throws(PluginKeyStoreConfigurationError) -> StaticPluginKeySource {
        try StaticPluginKeySource.load(self)
    }
}
