import Foundation

/// A tenant's billing plan: the `plan` enum of the `keel.tenant.*` schemas.
public enum TenantPlan: String, Sendable, Hashable, CaseIterable, Codable {
    case free
    case pro
    case enterprise
}

/// The tenant aggregate's state, as rebuilt from `keel.tenants`. A `nil` state (not this type)
/// means the tenant does not exist.
public struct TenantState: Sendable, Hashable {
    public var id: String
    public var name: String
    public var plan: TenantPlan
    /// A suspended tenant's requests are refused; suspension is not reversible by a command today.
    public var suspended: Bool
    public var suspendReason: String?

    public init(id: String, name: String, plan: TenantPlan, suspended: Bool = false, suspendReason: String? = nil) {
        self.id = id
        self.name = name
        self.plan = plan
        self.suspended = suspended
        self.suspendReason = suspendReason
    }
}

/// What an operator asks of the tenant aggregate. Fields arrive unvalidated (straight from a
/// request); `TenantDecider.decide` validates them.
public enum TenantCommand: Sendable, Hashable {
    /// `plan` is the wire spelling (`free`, `pro`, `enterprise`), checked by the decider so the
    /// error names the field.
    case create(tenantId: String, name: String, plan: String)
    case suspend(tenantId: String, reason: String)
}

/// A fact on `keel.tenants`: exactly the three registered `keel.tenant.*` types, version 1.
///
/// `keel.tenants` is compacted: only the latest record of a tenant is kept for ever, so that
/// record alone must rebuild the tenant. `updated` and `suspended` therefore carry the rest of
/// the state when their emitter knows it (the decider always does); records written without
/// it (optional in the schema) still fold onto a known state.
public enum TenantEvent: Sendable, Hashable {
    case created(tenantId: String, name: String, plan: TenantPlan)
    /// The new name and plan (a partial record names only what changed); `suspendReason` is
    /// present when the tenant is suspended.
    case updated(tenantId: String, name: String?, plan: TenantPlan?, suspendReason: String? = nil)
    case suspended(tenantId: String, reason: String, name: String? = nil, plan: TenantPlan? = nil)
}

/// The tenant aggregate as a decider: `decide` turns a command and the current state into events
/// (or a refusal), `evolve` folds an event into the state.
///
/// Both are pure and total over their inputs; `evolve` never fails, so replaying the topic always
/// yields a state. `decide` only emits events `evolve` accepts, and every emitted event's `data`
/// validates against its catalog schema.
public enum TenantDecider {
    public static let nameLengthRange = 1...200
    public static let reasonLengthRange = 1...1000

    public static func decide(_ command: TenantCommand, state: TenantState?) throws(AccessError) -> [TenantEvent] {
        switch command {
        case .create(let tenantId, let name, let plan):
            try validateTenantID(tenantId)
            try AccessRules.requireLength(name, in: nameLengthRange, field: "name")
            guard let plan = TenantPlan(rawValue: plan) else {
                throw AccessError(
                    .invalid, field: "plan",
                    "must be one of \(TenantPlan.allCases.map(\.rawValue).joined(separator: ", ")), got '\(plan)'")
            }
            if let state {
                throw AccessError(.conflict, field: "tenantId", "tenant '\(state.id)' already exists")
            }
            return [.created(tenantId: tenantId, name: name, plan: plan)]
        case .suspend(let tenantId, let reason):
            try validateTenantID(tenantId)
            try AccessRules.requireLength(reason, in: reasonLengthRange, field: "reason")
            guard let state else {
                throw AccessError(.notFound, field: "tenantId", "tenant '\(tenantId)' does not exist")
            }
            // Idempotent, so a retried request (or two operators at once) is not an error; the
            // first reason stands.
            if state.suspended { return [] }
            return [.suspended(tenantId: tenantId, reason: reason, name: state.name, plan: state.plan)]
        }
    }

    /// Folds one event. An `updated` or `suspended` record for a tenant the state does not know
    /// (its `created` record was compacted away) rebuilds it when it carries the name and plan,
    /// and leaves it unknown otherwise.
    public static func evolve(_ state: TenantState?, _ event: TenantEvent) -> TenantState? {
        switch event {
        case .created(let tenantId, let name, let plan):
            return TenantState(id: tenantId, name: name, plan: plan)
        case .updated(let tenantId, let name, let plan, let suspendReason):
            guard var state else {
                guard let name, let plan else { return nil }
                return TenantState(id: tenantId, name: name, plan: plan, suspended: suspendReason != nil, suspendReason: suspendReason)
            }
            if let name { state.name = name }
            if let plan { state.plan = plan }
            if let suspendReason {
                state.suspended = true
                state.suspendReason = suspendReason
            }
            return state
        case .suspended(let tenantId, let reason, let name, let plan):
            guard var state else {
                guard let name, let plan else { return nil }
                return TenantState(id: tenantId, name: name, plan: plan, suspended: true, suspendReason: reason)
            }
            state.suspended = true
            state.suspendReason = reason
            return state
        }
    }

    private static func validateTenantID(_ tenantId: String) throws(AccessError) {
        guard CloudEvent.isValidTenantID(tenantId) else {
            throw AccessError(.invalid, field: "tenantId", "must match ^[a-z0-9][a-z0-9-]{0,62}$, got '\(tenantId)'")
        }
    }
}

// MARK: - Wire form

extension TenantEvent {
    public static let createdType = "keel.tenant.created"
    public static let updatedType = "keel.tenant.updated"
    public static let suspendedType = "keel.tenant.suspended"
    /// The topic every tenant event lives on.
    public static let topic = "keel.tenants"
    /// The schema version `data` follows.
    public static let dataVersion = 1

    public var tenantId: String {
        switch self {
        case .created(let tenantId, _, _), .updated(let tenantId, _, _, _), .suspended(let tenantId, _, _, _): tenantId
        }
    }

    /// The CloudEvents `type`.
    public var type: String {
        switch self {
        case .created: Self.createdType
        case .updated: Self.updatedType
        case .suspended: Self.suspendedType
        }
    }

    /// `data` exactly as the version-1 schema of `type` describes it.
    public var data: JSONValue {
        switch self {
        case .created(let tenantId, let name, let plan):
            return ["tenantId": .string(tenantId), "name": .string(name), "plan": .string(plan.rawValue)]
        case .updated(let tenantId, let name, let plan, let suspendReason):
            var members: [String: JSONValue] = ["tenantId": .string(tenantId)]
            if let name { members["name"] = .string(name) }
            if let plan { members["plan"] = .string(plan.rawValue) }
            if let suspendReason { members["suspendReason"] = .string(suspendReason) }
            return .object(members)
        case .suspended(let tenantId, let reason, let name, let plan):
            var members: [String: JSONValue] = ["tenantId": .string(tenantId), "reason": .string(reason)]
            if let name { members["name"] = .string(name) }
            if let plan { members["plan"] = .string(plan.rawValue) }
            return .object(members)
        }
    }

    /// Reads an event back from its `type` and `data`; `nil` for another type or data that lacks
    /// a required field or has one of the wrong kind (unknown extra members are ignored).
    public init?(type: String, data: JSONValue) {
        guard let event = try? Self.decode(type: type, data: data) else { return nil }
        self = event
    }

    private static func decode(type: String, data: JSONValue) throws(JSONFields.Mismatch) -> TenantEvent {
        let fields = try JSONFields(data)
        let tenantId = try fields.required("tenantId", \.stringValue)
        let plan: (JSONValue) -> TenantPlan? = { $0.stringValue.flatMap(TenantPlan.init(rawValue:)) }
        switch type {
        case createdType:
            return .created(tenantId: tenantId, name: try fields.required("name", \.stringValue), plan: try fields.required("plan", plan))
        case updatedType:
            return .updated(
                tenantId: tenantId, name: try fields.optional("name", \.stringValue), plan: try fields.optional("plan", plan),
                suspendReason: try fields.optional("suspendReason", \.stringValue))
        case suspendedType:
            return .suspended(
                tenantId: tenantId, reason: try fields.required("reason", \.stringValue), name: try fields.optional("name", \.stringValue),
                plan: try fields.optional("plan", plan))
        default:
            throw JSONFields.Mismatch()
        }
    }

    /// Reads an event from a CloudEvent with JSON data; `nil` when it is not a tenant event.
    public init?(_ event: CloudEvent) {
        guard let data = event.jsonData else { return nil }
        self.init(type: event.type, data: data)
    }

    /// The event as a CloudEvent ready for `TopicCatalog.prepare`: JSON data, `dataversion` 1,
    /// and `tenantid` and `partitionkey` both the tenant id (the topic keys by `data:/tenantId`,
    /// and `prepare` insists a given `partitionkey` equals what the key rule yields).
    public func cloudEvent(source: String, id: String, time: Date) -> CloudEvent {
        var event = CloudEvent(id: id, source: source, type: type, time: time, json: data)
        event.tenantid = tenantId
        event.partitionkey = tenantId
        event.dataversion = Self.dataVersion
        return event
    }
}

/// Field rules shared by the access deciders.
enum AccessRules {
    /// Lengths count Unicode scalars, like the schemas' `minLength`/`maxLength`.
    static func requireLength(_ text: String, in range: ClosedRange<Int>, field: String) throws(AccessError) {
        let count = text.unicodeScalars.count
        guard range.contains(count) else {
            throw AccessError(
                .invalid, field: field, "must be \(range.lowerBound)-\(range.upperBound) characters, got \(count)")
        }
    }
}

/// Reads the members of event data for the failable `init(type:data:)`s: a missing required
/// member, or any member of the wrong kind, is a mismatch (`null` counts as wrong, since the
/// schemas never allow it). Unknown members are ignored.
struct JSONFields {
    struct Mismatch: Error {}

    let members: [String: JSONValue]

    init(_ value: JSONValue) throws(Mismatch) {
        guard case .object(let members) = value else { throw Mismatch() }
        self.members = members
    }

    func required<T>(_ key: String, _ read: (JSONValue) -> T?) throws(Mismatch) -> T {
        guard let value = members[key], let result = read(value) else { throw Mismatch() }
        return result
    }

    func optional<T>(_ key: String, _ read: (JSONValue) -> T?) throws(Mismatch) -> T? {
        guard let value = members[key] else { return nil }
        guard let result = read(value) else { throw Mismatch() }
        return result
    }
}
