import KeelCore

/// One registered version of a workflow.
public struct WorkflowVersion: Sendable, Hashable {
    public var tenant: String
    public var workflowId: String
    public var version: Int
    public var definition: WorkflowDefinition
    public var changeDescription: String?
    public var createdBy: String?
    public var createdAtMs: Int64
    /// For a rollback: the version this one copies.
    public var rollbackOf: Int?

    public init(
        tenant: String, workflowId: String, version: Int, definition: WorkflowDefinition, changeDescription: String? = nil,
        createdBy: String? = nil, createdAtMs: Int64, rollbackOf: Int? = nil
    ) {
        self.tenant = tenant
        self.workflowId = workflowId
        self.version = version
        self.definition = definition
        self.changeDescription = changeDescription
        self.createdBy = createdBy
        self.createdAtMs = createdAtMs
        self.rollbackOf = rollbackOf
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "workflowId": .string(workflowId), "version": .int(Int64(version)), "name": .string(definition.name),
            "format": .string(definition.format.rawValue), "definition": definition.source,
            "createdAt": .string(RFC3339.format(milliseconds: createdAtMs)),
        ]
        if let changeDescription { members["changeDescription"] = .string(changeDescription) }
        if let createdBy { members["createdBy"] = .string(createdBy) }
        if let rollbackOf { members["rollbackOf"] = .int(Int64(rollbackOf)) }
        return .object(members)
    }
}

/// Every tenant's workflows and their versions, folded from `keel.workflow.definitions`.
///
/// Versions are immutable: a second event for a version already known (a concurrent register on
/// another gateway) is ignored by every reader, so all agree that the first one wins.
public struct WorkflowDirectory: Sendable {
    struct Entry: Sendable {
        var versions: [Int: WorkflowVersion] = [:]
        var deletedAt: Int?
    }

    var entries: [String: [String: Entry]] = [:]

    public init() {}

    public static let versionedType = "keel.workflow.definition.versioned"
    public static let deletedType = "keel.workflow.definition.deleted"

    /// Applies one event of the topic; returns false for an event it cannot use.
    @discardableResult
    public mutating func apply(_ event: CloudEvent, kinds: StepKinds = .builtIn) -> Bool {
        guard let tenant = event.tenantid, let data = event.jsonData, let id = data["workflowId"]?.stringValue,
            let number = data["version"]?.intValue.map(Int.init)
        else { return false }
        switch event.type {
        case Self.versionedType:
            guard entries[tenant]?[id]?.versions[number] == nil, let source = data["definition"],
                let definition = try? WorkflowDefinition.parse(source, id: id, kinds: kinds)
            else { return false }
            let version = WorkflowVersion(
                tenant: tenant, workflowId: id, version: number, definition: definition,
                changeDescription: data["changeDescription"]?.stringValue, createdBy: data["createdBy"]?.stringValue,
                createdAtMs: event.timeMs ?? 0, rollbackOf: data["rollbackOf"]?.intValue.map(Int.init))
            entries[tenant, default: [:]][id, default: Entry()].versions[number] = version
            if let deleted = entries[tenant]?[id]?.deletedAt, deleted < number { entries[tenant]?[id]?.deletedAt = nil }
            return true
        case Self.deletedType:
            entries[tenant, default: [:]][id, default: Entry()].deletedAt = number
            return true
        default:
            return false
        }
    }

    /// Versions of a workflow, oldest first (deleted workflows keep their history).
    public func versions(tenant: String, workflowId: String) -> [WorkflowVersion] {
        (entries[tenant]?[workflowId]?.versions.values).map { $0.sorted { $0.version < $1.version } } ?? []
    }

    public func version(tenant: String, workflowId: String, version: Int) -> WorkflowVersion? {
        entries[tenant]?[workflowId]?.versions[version]
    }

    /// The newest version, unless the workflow was deleted after it.
    public func latest(tenant: String, workflowId: String) -> WorkflowVersion? {
        guard let entry = entries[tenant]?[workflowId], entry.deletedAt == nil else { return nil }
        return entry.versions.max { $0.key < $1.key }?.value
    }

    /// The number the next version (or deletion marker) of a workflow takes.
    public func nextVersion(tenant: String, workflowId: String) -> Int {
        let entry = entries[tenant]?[workflowId]
        return max(entry?.versions.keys.max() ?? 0, entry?.deletedAt ?? 0) + 1
    }

    /// The tenant's live workflows (latest versions), by id.
    public func list(tenant: String) -> [WorkflowVersion] {
        (entries[tenant] ?? [:]).keys.sorted().compactMap { latest(tenant: tenant, workflowId: $0) }
    }

    /// The data of a `versioned` event.
    public static func versionedData(_ definition: WorkflowDefinition, version: Int, changeDescription: String?, createdBy: String?, rollbackOf: Int?)
        -> JSONValue
    {
        var members: [String: JSONValue] = [
            "workflowId": .string(definition.id), "version": .int(Int64(version)), "definition": definition.source,
            "versionKey": .string("\(definition.id)@v\(version)"),
            "format": .string(definition.format.rawValue),
        ]
        if let changeDescription { members["changeDescription"] = .string(changeDescription) }
        if let createdBy { members["createdBy"] = .string(createdBy) }
        if let rollbackOf { members["rollbackOf"] = .int(Int64(rollbackOf)) }
        return .object(members)
    }
}
