import BackendKit

/// The filters and order of `GET /v2/tasks`, as Backstage's scaffolder takes them: `createdBy` and `status` (each
/// repeatable; a task matches any of the given values) and `order=<asc|desc>:<field>` (repeatable; the first is the
/// main order). Without an order, tasks come in creation order.
struct TaskListQuery: Sendable, Equatable {
    /// The creators (`created_by`) to keep; empty keeps every task.
    var createdBy: [String] = []
    /// The statuses to keep; empty keeps every task.
    var statuses: [TaskStatus] = []
    /// The sort keys, most significant first; ties (and an empty list) fall back to creation order.
    var order: [TaskOrder] = []

    /// A query with these filters and order.
    init(createdBy: [String] = [], statuses: [TaskStatus] = [], order: [TaskOrder] = []) {
        self.createdBy = createdBy
        self.statuses = statuses
        self.order = order
    }

    /// Reads `createdBy`, `status` and `order` from a request's query `parameters`, each as often as given (other
    /// names are ignored).
    ///
    /// Bad values are ``InputError``s with Backstage's messages: `Invalid order parameter "<x>", expected
    /// "<asc or desc>:<field name>"`, `Invalid order field "<f>"`; and `Invalid status '<s>', expected one of …`.
    init(parameters: [(name: String, value: String)]) throws(InputError) {
        for (name, value) in parameters {
            switch name {
            case "createdBy":
                createdBy.append(value)
            case "status":
                guard let status = TaskStatus(rawValue: value) else {
                    let allowed = TaskStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    throw InputError("Invalid status '\(value)', expected one of \(allowed)")
                }
                statuses.append(status)
            case "order":
                order.append(try TaskOrder(parsing: value))
            default:
                continue
            }
        }
    }
}

/// One sort key of `GET /v2/tasks`: `asc:created_at`, `desc:status`, `asc:created_by`, ….
struct TaskOrder: Sendable, Equatable {
    /// The columns a list may be sorted by (Backstage's names).
    enum Field: String, Sendable, CaseIterable {
        /// When the task was created.
        case createdAt = "created_at"
        /// Its status, alphabetically.
        case status
        /// Its creator's subject, alphabetically (a task without one sorts as the empty name).
        case createdBy = "created_by"
    }

    /// The column.
    let field: Field
    /// Whether larger values come first.
    let descending: Bool

    /// A key on `field`.
    init(_ field: Field, descending: Bool = false) {
        self.field = field
        self.descending = descending
    }

    /// Parses `<asc|desc>:<field>` with Backstage's messages for a malformed parameter or an unknown field.
    init(parsing text: String) throws(InputError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "asc" || parts[0] == "desc", !parts[1].isEmpty else {
            throw InputError(#"Invalid order parameter "\#(text)", expected "<asc or desc>:<field name>""#)
        }
        guard let field = Field(rawValue: String(parts[1])) else {
            throw InputError(#"Invalid order field "\#(parts[1])""#)
        }
        self.init(field, descending: parts[0] == "desc")
    }
}

/// One task of a `GET /v2/tasks` page, as Backstage lists tasks: `{id, spec, status, createdAt, lastHeartbeatAt,
/// createdBy?}`. `GET /v2/tasks/:id` has the steps, log, output and error.
struct TaskSummary: Sendable, Encodable {
    /// The task id.
    let id: String
    /// The task's spec: `apiVersion`, `parameters` (the values), `steps` and `output` (unrendered, from the
    /// template) and `templateInfo.entityRef`.
    let spec: JSONValue
    /// Its status.
    let status: String
    /// When it was accepted.
    let createdAt: String
    /// Last time a worker touched it.
    let lastHeartbeatAt: String
    /// The subject of the caller that created it; absent with auth off.
    let createdBy: String?

    /// Backstage's task spec for a task of `template` (the entity, as stored) run with `values`.
    static func spec(template: JSONValue, templateRef: String, values: JSONObject) -> JSONValue {
        var spec: JSONObject = [
            "apiVersion": template["apiVersion"] ?? .string("scaffolder.backstage.io/v1beta3"),
            "parameters": .object(values),
            "steps": template["spec"]?["steps"] ?? .array([]),
            "templateInfo": .object(["entityRef": .string(templateRef)]),
        ]
        if let output = template["spec"]?["output"], output != .null { spec["output"] = output }
        return .object(spec)
    }
}
