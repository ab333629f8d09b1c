/// Renders Backstage's JSON error body:
/// `{"error":{"name":…,"message":…},"request":{"method":…,"url":…},"response":{"statusCode":…}}`.
enum ErrorResponse {
    /// The body text, members in Backstage's order (``JSONObject`` keeps insertion order).
    static func body(_ descriptor: ErrorDescriptor, method: String, url: String) -> String {
        let body: JSONValue = [
            "error": ["name": .string(descriptor.name), "message": .string(descriptor.message)],
            "request": ["method": .string(method), "url": .string(url)],
            "response": ["statusCode": .int(descriptor.status.code)],
        ]
        return body.jsonText()
    }

    /// The full response for `descriptor`; `url` is the request URL as the failing router saw it.
    static func make(
        _ descriptor: ErrorDescriptor, method: HTTPRequest.Method, url: String, extraHeaders: HTTPFields = [:]
    )
        -> Response
    {
        var headers = EncodedJSONBody.headers
        if descriptor.status == .unauthorized {
            headers[.wwwAuthenticate] = "Bearer"
        }
        for field in extraHeaders where headers[field.name] == nil {
            headers.append(field)
        }
        let text = body(descriptor, method: method.rawValue, url: url)
        return Response(
            status: descriptor.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
