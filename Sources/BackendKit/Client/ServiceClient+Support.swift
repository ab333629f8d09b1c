import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension ServiceClient {
    /// `baseUrl` + `path` (a `/` inserted when missing) + the percent-encoded query.
    static func url(baseUrl: String, path: String, query: [(String, String)]) -> String {
        var url = baseUrl
        if !path.isEmpty {
            if url.hasSuffix("/") && path.hasPrefix("/") {
                url.removeLast()
            } else if !url.hasSuffix("/") && !path.hasPrefix("/") {
                url += "/"
            }
            url += path
        }
        if !query.isEmpty {
            let encoded = query.map {
                "\(PercentEncoding.encodeComponent($0.0))=\(PercentEncoding.encodeComponent($0.1))"
            }
            url += (url.contains("?") ? "&" : "?") + encoded.joined(separator: "&")
        }
        return url
    }

    /// `url` without its query string (for logs).
    static func withoutQuery(_ url: String) -> Substring {
        url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(url)
    }

    /// `value` as JSON (ISO 8601 dates, as Hummingbird encodes them).
    static func encode(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONEncoder.backend().encode(value))
    }

    /// Response headers as `HTTPFields`.
    static func fields(_ headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let fieldName = HTTPField.Name(name) {
                fields.append(HTTPField(name: fieldName, value: value))
            }
        }
        return fields
    }

    /// A short, token-free reason for a transport error.
    func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .connectTimeout:
            return "connection timed out after \(configuration.connectTimeout)"
        case let error as HTTPClientError where error == .readTimeout:
            return "no response within the read timeout of \(configuration.readTimeout)"
        case let error as HTTPClientError where error == .deadlineExceeded:
            return "no complete response within \(configuration.requestTimeout)"
        default:
            return "\(error)"
        }
    }
}

/// `{"error":{"name":…,"message":…}}` of a remote error response, when the body has that shape.
struct RemoteErrorBody: Decodable {
    struct Detail: Decodable {
        let name: String?
        let message: String?
    }

    let error: Detail?

    /// The name and message of `body`, or `nil`s (the message falls back to a short text excerpt).
    static func parse(_ body: ByteBuffer) -> (name: String?, message: String?) {
        let data = Data(body.readableBytesView)
        if let parsed = try? JSONDecoder().decode(RemoteErrorBody.self, from: data), let detail = parsed.error {
            return (detail.name, detail.message)
        }
        let text = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return (nil, nil) }
        return (nil, text.count > 500 ? String(text.prefix(500)) + "…" : text)
    }
}
