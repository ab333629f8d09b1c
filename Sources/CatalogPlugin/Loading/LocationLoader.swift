import BackendKit
import Foundation

/// Seeds the entity store from `catalog.locations` at startup.
///
/// Each file holds one or more YAML documents (`---`), each a Backstage entity (empty documents
/// are skipped). A `Location` entity's `spec.target`/`spec.targets` are followed relative to its
/// file, as Backstage does, each file at most once. An unreadable file, invalid YAML, an invalid
/// entity or a duplicate ref stops startup with a message naming the file.
///
/// Every entity gets Backstage's `backstage.io/managed-by-location` (`file:<the file it is in>`) and
/// `backstage.io/managed-by-origin-location` (`file:<the location's target>`, the location it was reached from)
/// annotations, replacing any the file wrote: they say where the entity really came from.
///
/// With ``roots`` set (locations registered through the API), every target, including those of Location entities,
/// must lie inside `catalog.fileLocationRoots`. With ``rules`` set, an entity of a kind `catalog.rules` do not allow
/// is skipped with a message in ``skipped`` or, with ``refusesDisallowedKinds``, stops the load.
struct LocationLoader {
    /// `backstage.io/managed-by-location`.
    static let locationAnnotation = "backstage.io/managed-by-location"
    /// `backstage.io/managed-by-origin-location`.
    static let originLocationAnnotation = "backstage.io/managed-by-origin-location"

    /// The entities read, in order.
    private(set) var entities: [Entity] = []
    /// Files read, in order.
    private(set) var files: [String] = []
    /// Locations skipped (unsupported type), with the reason.
    private(set) var skipped: [String] = []
    private var origins: [EntityRef: String] = [:]
    /// The `managed-by-origin-location` of the entities being read.
    private var originLocation = ""
    /// The directories targets must lie in; nil reads any path (the operator's own `catalog.locations`).
    var roots: FileLocationRoots?
    /// The kinds admitted; nil admits every kind.
    var rules: CatalogRules?
    /// Whether an entity the rules refuse stops the load (a registration) rather than being skipped (config).
    var refusesDisallowedKinds = false
    /// The documents of files read ahead, on every core, by path: each file's documents, annotated and validated, as
    /// they would be read when the walk reaches the file from `origin`.
    private var readAhead: [String: (origin: String, documents: FileEntities)] = [:]

    /// A file's documents, each an entity or why it is not one (empty documents left out), or why the file as a whole
    /// is not YAML.
    typealias FileEntities = Result<[Result<Entity, CatalogLoadError>], CatalogLoadError>

    /// The file each entity was read from, keyed like ``entities``: the location key the store records.
    func origin(of entity: Entity) -> String {
        origins[entity.ref] ?? ""
    }

    /// An empty loader; `roots` and `rules` as described on the type.
    init(roots: FileLocationRoots? = nil, rules: CatalogRules? = nil, refusesDisallowedKinds: Bool = false) {
        self.roots = roots
        self.rules = rules
        self.refusesDisallowedKinds = refusesDisallowedKinds
    }

    /// Reads every location.
    mutating func load(_ locations: [CatalogLocation]) throws {
        readAhead = Self.readAhead(locations, roots: roots)
        defer { readAhead = [:] }
        for location in locations {
            guard location.type == "file" else {
                skipped.append(
                    "Skipped catalog location '\(location.target)': type '\(location.type)' is not supported, only 'file'"
                )
                continue
            }
            let target = PathUtilities.resolve(location.target, against: location.baseDirectory)
            originLocation = "file:\(target)"
            try loadTarget(target, given: location.target, declaredAt: location.declaredAt)
        }
    }

    /// `declaredAt` says where the target came from (a config key and file, or a Location entity's file); `given` is
    /// the target as written there, for the confinement error.
    private mutating func loadTarget(_ target: String, given: String, declaredAt: String?) throws {
        // Checked before the disk is touched, so the answer cannot tell whether an outside file exists.
        if let roots, !roots.contains(target) { throw FileLocationRoots.outsideError(given) }
        let paths: [String]
        do {
            paths = try PathUtilities.expand(target)
        } catch {
            throw Self.readError(target, declaredAt, error.localizedDescription)
        }
        for path in paths where !files.contains(path) {
            // A glob match may be a symlink that leaves the roots.
            if let roots, !roots.contains(path) { throw FileLocationRoots.outsideError(given) }
            try loadFile(path, declaredAt: declaredAt)
        }
    }

    /// `Failed to read catalog location '/x.yaml' (catalog.locations[0].target in app-config.yaml): <reason>`.
    private static func readError(_ path: String, _ declaredAt: String?, _ reason: String) -> CatalogLoadError {
        CatalogLoadError("Failed to read catalog location '\(path)'\(declaredAt.map { " (\($0))" } ?? ""): \(reason)")
    }

    private mutating func loadFile(_ path: String, declaredAt: String?) throws {
        files.append(path)
        guard FileManager.default.fileExists(atPath: path) else {
            throw Self.readError(path, declaredAt, "No such file or directory")
        }
        let documents: [Result<Entity, CatalogLoadError>]
        if let ahead = readAhead[path], ahead.origin == originLocation {
            documents = try ahead.documents.get()
        } else {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw Self.readError(path, declaredAt, error.localizedDescription)
            }
            documents = try Self.entities(in: data, path: path, origin: originLocation).get()
        }
        var followUps: [(target: String, given: String, declaredAt: String)] = []
        for (index, document) in documents.enumerated() {
            let entity = try document.get()
            if let rules, !rules.allows(kind: entity.ref.kind, from: (type: "file", target: path)) {
                let refusal = CatalogRules.refusal(entity)
                if refusesDisallowedKinds { throw CatalogLoadError("\(path): document \(index + 1): \(refusal)") }
                skipped.append("Skipped document \(index + 1) of \(path): \(refusal)")
                continue
            }
            if let origin = origins[entity.ref] {
                throw CatalogLoadError(
                    "\(path): document \(index + 1): entity '\(entity.ref)' is already defined in \(origin)")
            }
            origins[entity.ref] = "\(path)"
            entities.append(entity)
            if entity.ref.kind.lowercased() == "location", let spec = entity.document["spec"],
                (spec["type"]?.stringValue ?? "file") == "file"
            {
                let targets =
                    [spec["target"]].compactMap { $0?.stringValue }
                    + (spec["targets"]?.arrayValue ?? []).compactMap(\.stringValue)
                let directory = PathUtilities.directory(of: path)
                followUps += targets.map {
                    (PathUtilities.resolve($0, against: directory), $0, "Location '\(entity.ref)' in \(path)")
                }
            }
        }
        for followUp in followUps {
            try loadTarget(followUp.target, given: followUp.given, declaredAt: followUp.declaredAt)
        }
    }

    /// The documents of the file at `path` holding `data`, reached from the location `origin`: each one annotated and
    /// validated, or why it is not an entity; empty documents left out. A failure is for the whole file, invalid YAML.
    private static func entities(in data: Data, path: String, origin: String) -> FileEntities {
        let documents: [JSONValue]
        do {
            documents = try ConfigLoader.parseDocuments(yaml: String(decoding: data, as: UTF8.self), source: path)
        } catch {
            return .failure(CatalogLoadError("Failed to parse catalog location: \(error)"))
        }
        return .success(
            documents.enumerated().filter { $0.element != .null }.map { index, document in
                Result { () throws(InputError) in
                    try EntityValidator.validate(annotated(document, location: "file:\(path)", origin: origin))
                }.mapError { CatalogLoadError("\(path): document \(index + 1): \($0.message)") }
            })
    }

    /// The files the `locations` name directly, read, parsed and validated on every core at once, each as the walk
    /// will first reach it. The walk still visits them in order, and takes each error where it reaches it: the
    /// outcome is the same as reading them in turn. Files named by `Location` entities are read as the walk reaches
    /// them, and so is anything that cannot be read here.
    ///
    /// Measured (BENCHMARKS.md, "Bulk loads"): parsing and validating the YAML of 100,000 entities took 3.5 s of a
    /// first load on one core.
    private static func readAhead(
        _ locations: [CatalogLocation], roots: FileLocationRoots?
    ) -> [String: (origin: String, documents: FileEntities)] {
        var files: [(path: String, origin: String)] = []
        var seen = Set<String>()
        for location in locations where location.type == "file" {
            let target = PathUtilities.resolve(location.target, against: location.baseDirectory)
            if let roots, !roots.contains(target) { break }
            guard let paths = try? PathUtilities.expand(target) else { break }
            for path in paths where seen.insert(path).inserted {
                if let roots, !roots.contains(path) { break }
                files.append((path, "file:\(target)"))
            }
        }
        guard files.count > 1 else { return [:] }
        let named = files
        let read = NIOLockedValueBox([String: (origin: String, documents: FileEntities)]())
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            let (path, origin) = named[index]
            guard let data = FileManager.default.contents(atPath: path) else { return }
            let documents = entities(in: data, path: path, origin: origin)
            read.withLockedValue { $0[path] = (origin, documents) }
        }
        return read.withLockedValue { $0 }
    }

    /// `document` with the location annotations set to `location` and `origin`, whatever it said (a non-object is
    /// left to validation to refuse).
    static func annotated(_ document: JSONValue, location: String, origin: String) -> JSONValue {
        guard case .object(var members) = document, case .object(var metadata)? = members["metadata"] else {
            return document
        }
        var annotations = metadata["annotations"]?.objectValue ?? [:]
        guard metadata["annotations"] == nil || metadata["annotations"]?.objectValue != nil else { return document }
        annotations[locationAnnotation] = .string(location)
        annotations[originLocationAnnotation] = .string(origin)
        metadata["annotations"] = .object(annotations)
        members["metadata"] = .object(metadata)
        return .object(members)
    }
}
