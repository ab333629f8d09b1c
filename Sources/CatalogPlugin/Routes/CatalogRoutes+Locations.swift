import BackendKit
import Foundation

/// `/locations`, with the shapes of Backstage's catalog OpenAPI spec. Only `file` locations are read.
extension CatalogRoutes {
    /// Adds the location routes.
    func addLocationRoutes(to routes: PluginRoutes) {
        routes.get("/locations") { _, _ in
            let list = try await locations.list()
            return JSONBody(JSONValue.array(list.map { .object(["data": $0.json]) }))
        }
        routes.get("/locations/:id") { _, context in
            JSONBody(try await location(try context.pathParameter("id")).json)
        }
        routes.delete("/locations/:id") { _, context in
            try refuseIfReadonly()
            let found = try await location(try context.pathParameter("id"))
            guard !found.fromConfig else {
                throw InputError(
                    "Location \(found.type):\(found.target) is declared in catalog.locations; remove it from the "
                        + "config instead")
            }
            try await store.removeLocationEntities(locationKey: found.entityLocationKey)
            try await locations.remove(id: found.id)
            logger.info("Removed location \(found.type):\(found.target) and its entities")
            return Response(status: .noContent)
        }
        routes.get("/locations/by-entity/:kind/:namespace/:name") { _, context in
            let ref = try Self.ref(context)
            guard let entity = try await store.entity(ref) else { throw CatalogError.entityNotFound(ref) }
            let annotations = entity.document["metadata"]?["annotations"]
            guard let origin = annotations?[LocationLoader.originLocationAnnotation]?.stringValue,
                let colon = origin.firstIndex(of: ":"),
                let found = try await locations.location(
                    type: String(origin[..<colon]), target: String(origin[origin.index(after: colon)...]))
            else {
                throw NotFoundError("Found no location for entity \(ref)")
            }
            return JSONBody(found.json)
        }
        routes.post("/locations") { request, _ in
            let dryRun = QueryItems(request.uri.query).first("dryRun") == "true"
            // A dry run changes nothing, so read-only mode allows it, as Backstage's does.
            if !dryRun { try refuseIfReadonly() }
            return try await addLocation(
                try await request.decodeJSONBody(
                    limit: Self.maxBodyBytes, expecting: "a JSON object with type and target"),
                dryRun: dryRun)
        }
    }

    private func location(_ id: String) async throws -> LocationStore.Location {
        guard let found = try await locations.location(id: id) else {
            throw NotFoundError("Found no location with ID \(id)")
        }
        return found
    }

    /// `POST /locations[?dryRun=true]` `{"type": "file", "target": "<path>"}`: reads the file (and the files its
    /// Location entities name) and, unless a dry run, registers the location and adds its entities: 201
    /// `{"location", "entities"}` (a dry run adds `exists`).
    ///
    /// Only targets inside `catalog.fileLocationRoots` are read (none when the key is unset), and every entity must
    /// be of a kind `catalog.rules` allow; otherwise nothing is read or stored and the answer is a 400.
    func addLocation(_ body: JSONValue, dryRun: Bool) async throws -> JSONBody<JSONValue> {
        guard let type = body["type"]?.stringValue, let target = body["target"]?.stringValue, !target.isEmpty else {
            throw InputError("Invalid request body, expected {\"type\": \"file\", \"target\": \"<path>\"}")
        }
        guard type == "file" else {
            throw InputError("Invalid location type '\(type)', only 'file' is supported by this catalog")
        }
        guard let roots = settings.fileLocationRoots else {
            throw InputError(
                "Registering file locations through the API is disabled; list the directories it may read in "
                    + FileLocationRoots.configKey)
        }
        let workingDirectory = FileManager.default.currentDirectoryPath
        let path = PathUtilities.resolve(target, against: workingDirectory)
        var loader = settings.registrationLoader(roots: roots)
        do {
            try loader.load([CatalogLocation(type: type, target: target, baseDirectory: workingDirectory)])
        } catch let error as CatalogLoadError {
            throw InputError(error.message)
        }
        let existing = try await locations.location(type: type, target: path)
        if dryRun {
            let location = existing ?? LocationStore.Location(id: "", type: type, target: path, fromConfig: false)
            return JSONBody(
                .object([
                    "exists": .bool(existing != nil), "location": location.json,
                    "entities": .array(loader.entities.map(\.document)),
                ]),
                status: .created)
        }
        let location = try await locations.add(type: type, target: path)
        let stored: [Entity]
        do {
            stored = try await store.addLocationEntities(loader.entities, locationKey: location.entityLocationKey)
        } catch {
            try await locations.remove(id: location.id)
            throw error
        }
        logger.info("Registered location \(type):\(path) with \(stored.count) entities")
        return JSONBody(
            .object(["location": location.json, "entities": .array(stored.map(\.document))]), status: .created)
    }
}
