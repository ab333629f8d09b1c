import BackendKit

extension CatalogPlugin {
    /// The keys of the `catalog` section: locations, file location roots, rules, read-only and limits.
    public var configSchema: ConfigSchema {
        let limits = CatalogLimits()
        func limit(_ name: String, _ value: Int, _ description: String) -> ConfigSchema.Key {
            .init("catalog.limits.\(name)", type: .integer, default: .int(value), description: description)
        }
        return ConfigSchema([
            .init("catalog", type: .object, description: "The sample software catalog."),
            .init(
                "catalog.locations", type: .array,
                description:
                    "Files of Backstage entities loaded at startup (the operator's own: read wherever they are)."),
            .init("catalog.locations[].type", type: .string, default: "file", description: "`file`."),
            .init(
                "catalog.locations[].target", type: .string,
                description: "A file or glob, relative to the config file that names it."),
            .init(
                FileLocationRoots.configKey, type: .array,
                description:
                    "Directories, relative to the config file, that locations registered through the API may read "
                    + "from. Absent: POST /locations refuses file locations."),
            .init(
                CatalogRules.configKey, type: .array,
                description: "The kinds the catalog admits, and from where. Absent: Component, API and Location."),
            .init("\(CatalogRules.configKey)[].allow", type: .array, description: "Kinds the rule allows."),
            .init(
                "\(CatalogRules.configKey)[].locations", type: .array,
                description: "Where the rule applies; absent, everywhere."),
            .init("\(CatalogRules.configKey)[].locations[].type", type: .string, description: "`file`."),
            .init(
                "\(CatalogRules.configKey)[].locations[].target", type: .string,
                description: "An exact target, relative to the config file."),
            .init(
                "\(CatalogRules.configKey)[].locations[].pattern", type: .string,
                description: "A `*`/`?` pattern the target must match."),
            .init(
                "catalog.readonly", type: .boolean, default: false,
                description: "Refuse every change through the API (403)."),
            .init("catalog.limits", type: .object, description: "The bounds on one request's work (400 above them)."),
            limit("refsPerRequest", limits.refsPerRequest, "`entityRefs` of POST /entities/by-refs."),
            limit("orderFields", limits.orderFields, "`orderField` parameters of GET /entities/by-query."),
            limit("filterClauses", limits.filterClauses, "`filter` parameters of one request."),
            limit("filterConditions", limits.filterConditions, "Distinct keys in one `filter` parameter (at most 60)."),
            limit("filterValues", limits.filterValues, "`key=value` statements of all `filter` parameters together."),
            limit("queryTermLength", limits.queryTermLength, "Characters of one filter, order or full-text term."),
            limit("pageSize", limits.pageSize, "`limit` of GET /entities and GET /entities/by-query."),
            limit("responseBytes", limits.responseBytes, "Bytes of the JSON a list route builds."),
        ])
    }
}
