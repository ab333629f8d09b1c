import BackendKit
import Foundation

/// `POST /validate-entity` and `POST /refresh`, with the shapes of Backstage's catalog OpenAPI spec.
extension CatalogRoutes {
    /// Adds the routes.
    func addMaintenanceRoutes(to routes: PluginRoutes) {
        routes.post("/validate-entity") { request, _ in
            try await validate(
                try await request.decodeJSONBody(
                    limit: Self.maxBodyBytes, expecting: "a JSON object with entity and location"))
        }
        routes.post("/refresh") { request, _ in
            try await refresh(
                try await request.decodeJSONBody(limit: Self.maxBodyBytes, expecting: "a JSON object with entityRef"))
        }
    }

    /// `POST /validate-entity` `{"entity": {...}, "location": "url:<target>"}`: 200 with no body when the entity
    /// would be accepted, else 400 `{"errors": [{"name", "message"}]}` as Backstage answers.
    func validate(_ body: JSONValue) async throws -> Response {
        func refused(_ message: String) -> Response {
            let errors: JSONValue = ["errors": [["name": "InputError", "message": .string(message)]]]
            return Response(
                status: .badRequest, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: errors.jsonBuffer))
        }
        guard case .object(let members) = body, let entity = members["entity"] else {
            return refused("Invalid request body, expected an object with entity and location")
        }
        guard let location = members["location"]?.stringValue else {
            return refused("Invalid request body, location must be a string such as url:https://host/path")
        }
        guard location.hasPrefix("url:"), location.count > 4 else {
            return refused(
                "Invalid location ref \(location), only 'url:<target>' is supported, e.g. url:https://host/path")
        }
        do {
            _ = try EntityValidator.validate(entity)
        } catch {
            return refused(error.message)
        }
        return Response(status: .ok)
    }

    /// `POST /refresh` `{"entityRef": "kind:namespace/name"}`: recomputes the entity's `relations` from the
    /// relation rows of both ends (as its stitching does after every write); 200 with no body, 404 if there is none.
    func refresh(_ body: JSONValue) async throws -> Response {
        guard let text = body["entityRef"]?.stringValue else {
            throw InputError("Invalid request body, entityRef must be a string such as component:default/my-service")
        }
        guard let ref = EntityRef.parse(text, defaultKind: nil, defaultNamespace: EntityRef.defaultNamespace) else {
            throw InputError(
                "Invalid entityRef '\(text)', expected kind:namespace/name such as component:default/my-service")
        }
        try await store.refresh(ref)
        return Response(status: .ok)
    }
}
