/// What `backend config print` hides, and how.
///
/// **Key names.** A key is compared after *normalizing* it: letters lowercased, `_` and `-`
/// removed (`client_secret`, `Client-Secret` and `clientSecret` all become `clientsecret`).
///
/// - A **credential key** is one whose normalized name equals or ends with one of
///   ``credentialWords`` (`password`, `passwd`, `secret`, `token`, `apikey`, `privatekey`,
///   `credentials`, …). Everything under it is a credential: a string or number becomes
///   `<secret>`; in an array or object under it every string and number at any depth becomes
///   `<secret>` (the keys and the shape stay visible, so `credentials: {user, password}` still
///   prints as an object).
/// - An **auth key** is one whose normalized name equals or ends with one of ``authWords``
///   (`auth`, `authorization`; so also `oauth`, `basicAuth`). A string or number directly under it
///   (or directly in an array under it) becomes `<secret>`, because such a value is a credential
///   (`auth: user:pass`, `Authorization: Bearer …`). An object under it is *not* hidden wholesale:
///   its members are judged by their own names. So `backend.auth` prints its structure while
///   `backend.auth.keys[0].secret` prints as `<secret>`.
///
/// Booleans and `null` are never hidden (they carry no credential, and `requireAuth: true` should
/// stay readable).
///
/// **URLs.** In every other string, anywhere in the config, the password of a URL's userinfo is
/// replaced: `postgresql://user:password@host:5432/db` prints as
/// `postgresql://user:<secret>@host:5432/db` (see ``redactingURLPasswords(in:)``).
enum SecretRedaction {
    /// The text that replaces a hidden value.
    static let placeholder = "<secret>"

    /// Normalized key endings that make a key a credential key (everything under it is hidden).
    static let credentialWords: [String] = [
        "password", "passwords", "passwd", "secret", "secrets", "token", "tokens", "apikey", "apikeys",
        "privatekey", "credentials", "credential", "clientsecret", "accesskey", "secretkey",
    ]

    /// Normalized key endings that make a key an auth key (its scalar values are hidden, its
    /// objects are descended).
    static let authWords: [String] = ["auth", "authorization"]

    /// How a key's value is treated.
    enum KeyKind: Equatable, Sendable {
        /// An ordinary key: its value is judged by its own content and keys.
        case ordinary
        /// A credential key: every string and number under it is hidden.
        case credential
        /// An auth key: strings and numbers directly under it are hidden, objects are descended.
        case auth
    }

    /// How much of a value is hidden while it is being redacted.
    private enum Mode {
        /// Nothing by default (only URL passwords in strings, and credential keys below).
        case none
        /// Every string and number at any depth.
        case everything
        /// Strings and numbers directly here (or in an array here); objects are judged by their keys.
        case scalarsHere
    }

    /// `key` lowercased with `_` and `-` removed.
    static func normalize(_ key: String) -> String {
        var normalized = ""
        normalized.unicodeScalars.reserveCapacity(key.unicodeScalars.count)
        for scalar in key.lowercased().unicodeScalars where scalar != "_" && scalar != "-" {
            normalized.unicodeScalars.append(scalar)
        }
        return normalized
    }

    /// Whether `key` is a credential key, an auth key, or an ordinary key (see the type's rule).
    static func kind(ofKey key: String) -> KeyKind {
        let normalized = normalize(key)
        if credentialWords.contains(where: { normalized.hasSuffix($0) }) { return .credential }
        if authWords.contains(where: { normalized.hasSuffix($0) }) { return .auth }
        return .ordinary
    }

    /// `value` with every credential replaced by ``placeholder`` (see the type's rule).
    static func redact(_ value: JSONValue) -> JSONValue {
        redact(value, mode: .none)
    }

    /// `value` redacted in `mode`; object members switch mode by the kind of their key.
    private static func redact(_ value: JSONValue, mode: Mode) -> JSONValue {
        switch value {
        case .null, .bool:
            return value
        case .int, .double:
            return mode == .none ? value : .string(placeholder)
        case .string(let text):
            return mode == .none ? .string(redactingURLPasswords(in: text)) : .string(placeholder)
        case .array(let items):
            return .array(items.map { redact($0, mode: mode) })
        case .object(let entries):
            return .object(
                JSONObject(
                    entries.map { key, child -> (String, JSONValue) in
                        switch (mode, kind(ofKey: key)) {
                        case (.everything, _), (_, .credential): (key, redact(child, mode: .everything))
                        case (_, .auth): (key, redact(child, mode: .scalarsHere))
                        case (_, .ordinary): (key, redact(child, mode: .none))
                        }
                    }))
        }
    }

    /// `text` with the password of every URL userinfo in it replaced by ``placeholder``.
    ///
    /// A URL is found by its `://`. Its authority runs to the first `/`, `?`, `#` or whitespace; when
    /// the authority has an `@`, the userinfo is everything before the last `@`, and its password is
    /// what follows the first `:` in it. A careless password with a raw `/`, `?` or `#` in it
    /// (`user:pa/ss@host`) is caught too: when the authority has no `@` but a `:` and an `@` follow
    /// before the next whitespace, everything from that `:` to the last such `@` is hidden (this
    /// can hide a port and a path in the rare URL with an `@` in its path, never less than the
    /// password). A URL without a password (`https://user@host`) is unchanged.
    static func redactingURLPasswords(in text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= 4, text.contains("://") else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        var copied = 0
        var changed = false
        while index + 2 < bytes.count {
            guard bytes[index] == UInt8(ascii: ":"), bytes[index + 1] == UInt8(ascii: "/"),
                bytes[index + 2] == UInt8(ascii: "/")
            else {
                index += 1
                continue
            }
            let start = index + 3
            guard let (passwordStart, passwordEnd) = passwordRange(bytes, authorityStart: start) else {
                index = start
                continue
            }
            output.append(contentsOf: bytes[copied..<passwordStart])
            output.append(contentsOf: placeholder.utf8)
            copied = passwordEnd
            index = passwordEnd
            changed = true
        }
        guard changed else { return text }
        output.append(contentsOf: bytes[copied...])
        return String(decoding: output, as: UTF8.self)
    }

    /// The byte range of a non-empty userinfo password in the authority starting at `start`.
    private static func passwordRange(_ bytes: [UInt8], authorityStart start: Int) -> (Int, Int)? {
        var authorityEnd = start
        while authorityEnd < bytes.count, !isAuthorityEnd(bytes[authorityEnd]) { authorityEnd += 1 }
        var segmentEnd = authorityEnd
        while segmentEnd < bytes.count, !isWhitespace(bytes[segmentEnd]) { segmentEnd += 1 }
        // The userinfo ends at the last `@` of the authority, or, for a password with a raw `/`,
        // `?` or `#`, at the last `@` before the next whitespace.
        let userinfoEnd: Int
        if let at = bytes[start..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) {
            userinfoEnd = at
        } else if let colon = bytes[start..<authorityEnd].firstIndex(of: UInt8(ascii: ":")),
            let at = bytes[authorityEnd..<segmentEnd].lastIndex(of: UInt8(ascii: "@")), colon < at
        {
            userinfoEnd = at
        } else {
            return nil
        }
        guard let colon = bytes[start..<userinfoEnd].firstIndex(of: UInt8(ascii: ":")), colon + 1 < userinfoEnd
        else { return nil }
        return (colon + 1, userinfoEnd)
    }

    /// Whether `byte` ends a URL authority: `/`, `?`, `#` or whitespace.
    private static func isAuthorityEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || isWhitespace(byte)
    }

    /// Whether `byte` is ASCII whitespace (space, tab, line feed, carriage return, vertical tab, form feed).
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }
}
