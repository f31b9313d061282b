/// What a credential may do. The gateway checks one permission per route; roles only bundle them.
public enum Permission: String, Sendable, Hashable, CaseIterable {
    /// Create, change and suspend tenants (platform operators only).
    case manageTenants
    /// Create, rotate and revoke API keys.
    case manageKeys
    /// Publish events.
    case ingest
    /// Read projections.
    case query
    /// Follow live event streams.
    case subscribe
    /// Run operational actions (replays, dead-letter redrives, status).
    case operate
    /// Register, roll back and delete workflow definitions.
    case manageWorkflows
    /// Start workflow runs.
    case startRuns
    /// Cancel, terminate, pause, resume and retry workflow runs.
    case controlRuns
}

/// A named bundle of permissions carried by API keys and tokens.
///
/// The raw values are the wire spelling in `keel.apikey.*` events and in JSON requests; they are
/// exact and lowercase. Guarantees: the mapping to permissions is fixed in code (not data), so a
/// stored role can never grant more than this file says, and `admin` holds every permission.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    case admin
    case `operator`
    case producer
    case reader

    /// Parses the wire spelling. Exact and case-sensitive on purpose: `Admin` is not a role, so a
    /// typo in a request is reported instead of silently granting (or denying) something.
    public init?(parsing text: String) {
        self.init(rawValue: text)
    }

    /// The permissions this role grants.
    public var permissions: Set<Permission> {
        switch self {
        case .admin: Set(Permission.allCases)
        case .operator: [.operate, .query, .manageWorkflows, .controlRuns]
        case .producer: [.ingest, .startRuns]
        case .reader: [.query, .subscribe]
        }
    }

    /// Does this role grant `permission`? The same answer as `permissions.contains`, without
    /// building a set (it is asked on every request).
    public func grants(_ permission: Permission) -> Bool {
        switch self {
        case .admin: true
        case .operator: permission == .operate || permission == .query || permission == .manageWorkflows || permission == .controlRuns
        case .producer: permission == .ingest || permission == .startRuns
        case .reader: permission == .query || permission == .subscribe
        }
    }

    /// The union of the permissions of `roles` (empty for no roles).
    public static func permissions(of roles: some Sequence<Role>) -> Set<Permission> {
        roles.reduce(into: Set<Permission>()) { $0.formUnion($1.permissions) }
    }
}
