import Foundation

/// The `static` plugin key store's keys: key pairs loaded from PEM files, the first signing and all verifying, as
/// Backstage's `StaticConfigPluginKeySource`.
///
/// Files are SPKI (`-----BEGIN PUBLIC KEY-----`) and PKCS#8 (`-----BEGIN PRIVATE KEY-----`) PEM, ES256 keys made
/// with, for example:
///
/// ```sh
/// openssl ecparam -name prime256v1 -genkey | openssl pkcs8 -topk8 -nocrypt -out private.pem
/// openssl ec -in private.pem -pubout -out public.pem
/// ```
public struct StaticPluginKeySource: PluginKeySource {
    /// Backstage's message when `static.keys` is empty.
    public static let noKeysMessage =
        "At least one key pair must be provided in static.keys, when the static key store type is used"
    /// Backstage's message when the first key pair has no private key.
    public static let noSigningKeyMessage =
        "Private key for signing must be provided in the first key pair in static.keys, when the static key store "
        + "type is used"

    public let keyDurationSeconds: Int
    private let signing: PluginSigningKey
    private let published: [PluginPublicKey]

    /// A source signing with `signingKey` and publishing its public key, then `additionalPublicKeys`.
    public init(signingKey: PluginSigningKey, additionalPublicKeys: [PluginPublicKey] = [], keyDurationSeconds: Int) {
        self.signing = signingKey
        self.published = [signingKey.publicKey] + additionalPublicKeys
        self.keyDurationSeconds = max(1, keyDurationSeconds)
    }

    /// The keys of `backend.auth.pluginKeyStore.static.keys`, read from their files.
    ///
    /// - Throws: ``PluginKeyStoreConfigurationError`` with Backstage's messages for an empty list or a first pair
    ///   without a private key, or naming the key and file that cannot be loaded.
    public static func load(
        _ settings: PluginKeyStoreSettings
    ) throws(PluginKeyStoreConfigurationError)
        -> StaticPluginKeySource
    {
        guard let first = settings.staticKeys.first else {
            throw PluginKeyStoreConfigurationError(noKeysMessage)
        }
        guard first.privateKeyFile != nil else { throw PluginKeyStoreConfigurationError(noSigningKeyMessage) }
        var signing: PluginSigningKey?
        var others: [PluginPublicKey] = []
        for entry in settings.staticKeys {
            let pair = try entry.load()
            if signing == nil, let privateKey = pair.privateKey {
                signing = PluginSigningKey(keyId: entry.keyId, privateKey: privateKey)
            } else {
                others.append(pair.publicKey)
            }
        }
        guard let signing else { throw PluginKeyStoreConfigurationError(noSigningKeyMessage) }
        return StaticPluginKeySource(
            signingKey: signing, additionalPublicKeys: others, keyDurationSeconds: settings.keyDurationSeconds)
    }

    /// The first key pair's key.
    public func signingKey() async throws -> PluginSigningKey { signing }

    /// Every configured public key.
    public func publicKeys() async throws -> [PluginPublicKey] { published }
}

extension PluginKeyStoreSettings.StaticKey {
    /// The public key and, when configured, the private key of this entry, checked to be one pair.
    func load() throws(PluginKeyStoreConfigurationError) -> (publicKey: PluginPublicKey, privateKey: P256SigningKey?) {
        guard algorithm == PluginPublicKey.algorithm else {
            throw PluginKeyStoreConfigurationError(
                "Unsupported algorithm '\(algorithm)' for the key '\(keyId)' at \(configKey).algorithm; only ES256 is "
                    + "supported")
        }
        let publicKey: P256VerifyingKey
        do {
            publicKey = try P256VerifyingKey.fromPEM(try Self.read(publicKeyFile))
        } catch {
            throw PluginKeyStoreConfigurationError(
                "Could not load the public key '\(keyId)' (\(configKey).publicKeyFile) from \(publicKeyFile): \(error)")
        }
        guard let privateKeyFile else { return (PluginPublicKey(keyId: keyId, key: publicKey), nil) }
        let privateKey: P256SigningKey
        do {
            privateKey = try P256SigningKey.fromPEM(try Self.read(privateKeyFile))
        } catch {
            throw PluginKeyStoreConfigurationError(
                "Could not load the private key '\(keyId)' (\(configKey).privateKeyFile) from \(privateKeyFile): "
                    + "\(error)")
        }
        guard privateKey.publicKey.hasSamePoint(as: publicKey) else {
            throw PluginKeyStoreConfigurationError(
                "The public key '\(keyId)' in \(publicKeyFile) is not the public key of the private key in "
                    + "\(privateKeyFile) (\(configKey))")
        }
        return (PluginPublicKey(keyId: keyId, key: publicKey), privateKey)
    }

    /// The text of `path`.
    private static func read(_ path: String) throws(PluginKeyError) -> String {
        let url = URL(fileURLWithPath: path)
        do {
            let data = try Data(contentsOf: url)
            guard data.count <= 1 << 20 else { throw PluginKeyError("the file is larger than 1 MiB") }
            return String(decoding: data, as: UTF8.self)
        } catch let error as PluginKeyError {
            throw error
        } catch {
            let nsError = error as NSError
            if let posix = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain,
                let message = strerror(Int32(posix.code)).map({ String(cString: $0) })
            {
                throw PluginKeyError(message)
            }
            if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
                throw PluginKeyError("No such file or directory")
            }
            throw PluginKeyError("the file cannot be read")
        }
    }
}
