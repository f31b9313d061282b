import Foundation

// The wire form of API key events: their CloudEvents types and data as on `keel.apikeys`.

extension ApiKeyEvent {
    public static let createdType = "keel.apikey.created"
    public static let rotatedType = "keel.apikey.rotated"
    public static let revokedType = "keel.apikey.revoked"
    /// The topic every API key event lives on.
    public static let topic = "keel.apikeys"
    /// The schema version `data` follows.
    public static let dataVersion = 1

    public var keyId: String {
        switch self {
        case .created(let event): event.keyId
        case .rotated(let event): event.keyId
        case .revoked(let event): event.keyId
        }
    }

    /// The owning tenant, when the record carries it (always for events the decider emits).
    public var tenantId: String? {
        switch self {
        case .created(let event): event.tenantId
        case .rotated(let event): event.tenantId
        case .revoked(let event): event.tenantId
        }
    }

    /// The CloudEvents `type`.
    public var type: String {
        switch self {
        case .created: Self.createdType
        case .rotated: Self.rotatedType
        case .revoked: Self.revokedType
        }
    }

    /// `data` exactly as the version-1 schema of `type` describes it (dates RFC 3339 UTC with
    /// milliseconds; absent optionals omitted, never `null`).
    public var data: JSONValue {
        var members: [String: JSONValue] = ["keyId": .string(keyId)]
        func put(_ key: String, _ value: JSONValue?) {
            if let value { members[key] = value }
        }
        func roles(_ roles: [Role]?) -> JSONValue? { roles.map { .array($0.map { .string($0.rawValue) }) } }
        func date(_ date: Date?) -> JSONValue? { date.map { .string(RFC3339.format($0)) } }
        func strings(_ values: [String]?) -> JSONValue? { values.map { .array($0.map(JSONValue.string)) } }
        switch self {
        case .created(let event):
            put("tenantId", .string(event.tenantId))
            put("name", .string(event.name))
            put("roles", roles(event.roles))
            put("prefix", .string(event.prefix))
            put("hash", event.hash.json)
            put("expiresAt", date(event.expiresAt))
            put("allowedTypes", strings(event.allowedTypes))
        case .rotated(let event):
            put("prefix", .string(event.prefix))
            put("hash", event.hash.json)
            put("previousHash", event.previousHash?.json)
            put("previousValidUntil", date(event.previousValidUntil))
            put("tenantId", event.tenantId.map(JSONValue.string))
            put("name", event.name.map(JSONValue.string))
            put("roles", roles(event.roles))
            put("expiresAt", date(event.expiresAt))
            put("allowedTypes", strings(event.allowedTypes))
        case .revoked(let event):
            put("reason", event.reason.map(JSONValue.string))
            put("tenantId", event.tenantId.map(JSONValue.string))
            put("name", event.name.map(JSONValue.string))
            put("roles", roles(event.roles))
        }
        return .object(members)
    }

    /// Reads an event back from its `type` and `data`; `nil` for another type, a missing required
    /// member, or a member of the wrong kind (including a malformed hash or date). Role names this
    /// version does not know are dropped — a key then holds fewer permissions, never more — so a
    /// newer writer cannot make older readers lose a revocation.
    public init?(type: String, data: JSONValue) {
        guard let event = try? Self.decode(type: type, data: data) else { return nil }
        self = event
    }

    /// Reads an event from a CloudEvent with JSON data; `nil` when it is not an API key event.
    public init?(_ event: CloudEvent) {
        guard let data = event.jsonData else { return nil }
        self.init(type: event.type, data: data)
    }

    private static func decode(type: String, data: JSONValue) throws(JSONFields.Mismatch) -> ApiKeyEvent {
        let fields = try JSONFields(data)
        let keyId = try fields.required("keyId", \.stringValue)
        let string: (JSONValue) -> String? = \.stringValue
        let hash: (JSONValue) -> SecretHash? = SecretHash.init(json:)
        let date: (JSONValue) -> Date? = { $0.stringValue.flatMap(RFC3339.parse) }
        let strings: (JSONValue) -> [String]? = { value in
            guard let texts = value.arrayValue?.map(\.stringValue), !texts.contains(nil) else { return nil }
            return texts.map { $0! }
        }
        let roles: (JSONValue) -> [Role]? = { strings($0)?.compactMap(Role.init(parsing:)) }
        switch type {
        case createdType:
            return .created(
                .init(
                    keyId: keyId, tenantId: try fields.required("tenantId", string), name: try fields.required("name", string),
                    roles: try fields.required("roles", roles), prefix: try fields.required("prefix", string),
                    hash: try fields.required("hash", hash), expiresAt: try fields.optional("expiresAt", date),
                    allowedTypes: try fields.optional("allowedTypes", strings)))
        case rotatedType:
            return .rotated(
                .init(
                    keyId: keyId, prefix: try fields.required("prefix", string), hash: try fields.required("hash", hash),
                    previousHash: try fields.optional("previousHash", hash),
                    previousValidUntil: try fields.optional("previousValidUntil", date),
                    tenantId: try fields.optional("tenantId", string), name: try fields.optional("name", string),
                    roles: try fields.optional("roles", roles), expiresAt: try fields.optional("expiresAt", date),
                    allowedTypes: try fields.optional("allowedTypes", strings)))
        case revokedType:
            return .revoked(
                .init(
                    keyId: keyId, reason: try fields.optional("reason", string), tenantId: try fields.optional("tenantId", string),
                    name: try fields.optional("name", string), roles: try fields.optional("roles", roles)))
        default:
            throw JSONFields.Mismatch()
        }
    }

    /// The event as a CloudEvent ready for `TopicCatalog.prepare`: JSON data, `dataversion` 1,
    /// `partitionkey` the key id (the topic keys by `data:/keyId`) and `tenantid` the key's
    /// tenant (omitted only for an old record that does not say).
    public func cloudEvent(source: String, id: String, time: Date) -> CloudEvent {
        var event = CloudEvent(id: id, source: source, type: type, time: time, json: data)
        event.tenantid = tenantId
        event.partitionkey = keyId
        event.dataversion = Self.dataVersion
        return event
    }
}
