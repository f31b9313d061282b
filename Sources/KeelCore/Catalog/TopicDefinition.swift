/// How Kafka disposes of old records of a topic.
public enum CleanupPolicy: String, Sendable, Hashable, CaseIterable {
    case delete
    case compact
    case compactDelete = "compact,delete"

    /// The `cleanup.policy` topic config value.
    public var kafkaValue: String { rawValue }
}

/// Where an event's record key comes from. Sources are tried in order; the first that yields a
/// non-empty string wins.
public enum KeySource: Sendable, Hashable, CustomStringConvertible {
    case partitionkey
    case subject
    case source
    case tenantid
    /// A string or integer member of the JSON `data`, by RFC 6901 pointer (file syntax `data:/runId`).
    case data(pointer: String)

    /// Parses the file syntax: `partitionkey`, `subject`, `source`, `tenantid`, `data:/pointer`.
    public init?(_ text: String) {
        switch text {
        case "partitionkey": self = .partitionkey
        case "subject": self = .subject
        case "source": self = .source
        case "tenantid": self = .tenantid
        default:
            guard text.hasPrefix("data:/") else { return nil }
            self = .data(pointer: String(text.dropFirst("data:".count)))
        }
    }

    public var description: String {
        switch self {
        case .partitionkey: return "partitionkey"
        case .subject: return "subject"
        case .source: return "source"
        case .tenantid: return "tenantid"
        case .data(let pointer): return "data:" + pointer
        }
    }

    public func value(for event: CloudEvent) -> String? {
        let value: String?
        switch self {
        case .partitionkey: value = event.partitionkey
        case .subject: value = event.subject
        case .source: value = event.source
        case .tenantid: value = event.tenantid
        case .data(let pointer):
            switch event.jsonData?.value(atPointer: pointer) {
            case .string(let text)?: value = text
            case .int(let number)?: value = String(number)
            default: value = nil
            }
        }
        return value?.isEmpty == false ? value : nil
    }
}

/// What a topic's record key is, so that all events of one entity land in one partition in order.
public struct KeyRule: Sendable, Hashable {
    public var description: String
    public var sources: [KeySource]
    /// The key holds an id a client chooses (a workflow, schedule, assistant or room id): the
    /// record key is then `<tenantid>/<id>`, so one tenant's record can never compact away or
    /// shadow another's that happens to use the same id. Tenant ids cannot contain `/`, so the
    /// first `/` always splits a key back into its tenant and its id.
    public var tenantScoped: Bool

    public init(description: String, sources: [KeySource], tenantScoped: Bool = false) {
        self.description = description
        self.sources = sources
        self.tenantScoped = tenantScoped
    }

    /// The separator between the tenant and the id of a tenant-scoped key.
    public static let tenantSeparator = "/"

    /// The first non-empty value among `sources` (prefixed with the event's tenant when the rule is
    /// tenant-scoped; `nil` then if the event has no tenant), or `nil`.
    public func key(for event: CloudEvent) -> String? {
        for source in sources {
            if let value = source.value(for: event) {
                guard tenantScoped else { return value }
                guard let tenant = event.tenantid, !tenant.isEmpty else { return nil }
                return tenant + Self.tenantSeparator + value
            }
        }
        return nil
    }
}

/// Who may write a topic.
public enum TopicWriter: String, Sendable, Hashable, CaseIterable {
    /// Only Keel's own roles produce to it; the gateway's ingest refuses its types.
    case keel
    /// Any authenticated producer may write it (the open ingest topic).
    case any
}

/// One schema version of an event type's `data`.
public struct EventTypeVersion: Sendable, Hashable {
    public var version: Int
    public var schema: JSONSchema
    /// Example `data` documents; the catalog refuses to load if one does not validate.
    public var examples: [JSONValue]

    public init(version: Int, schema: JSONSchema, examples: [JSONValue] = []) {
        self.version = version
        self.schema = schema
        self.examples = examples
    }
}

/// An event type and its schema history. `versions` is sorted ascending and non-empty.
public struct EventTypeDefinition: Sendable, Hashable {
    public var type: String
    public var description: String
    public var versions: [EventTypeVersion]

    public init(type: String, description: String, versions: [EventTypeVersion]) {
        self.type = type
        self.description = description
        self.versions = versions.sorted { $0.version < $1.version }
    }

    public var latestVersion: Int { versions.last?.version ?? 1 }

    public func version(_ number: Int) -> EventTypeVersion? {
        versions.first { $0.version == number }
    }
}

/// A topic as declared in `Topics/<name>.json`.
public struct TopicDefinition: Sendable, Hashable {
    public var name: String
    public var description: String
    public var partitions: Int32
    public var replicationFactor: Int16
    public var cleanupPolicy: CleanupPolicy
    /// `nil` keeps records forever (`retention.ms = -1`).
    public var retentionMs: Int64?
    public var key: KeyRule
    /// An open ingest topic: any event type may be produced to it (only `keel.external`).
    public var acceptsAnyType: Bool
    /// Who may produce to the topic: `keel` topics are written by Keel's roles alone.
    public var writer: TopicWriter
    /// Whether a tenant may read its own records of the topic (live streams, projections that
    /// serve documents to tenants). `false` keeps a topic internal: never streamed, never
    /// projected into a collection a tenant can read.
    public var tenantReadable: Bool
    public var eventTypes: [EventTypeDefinition]
    /// Further Kafka topic configs, passed through as given.
    public var extraConfig: [String: String]

    public init(
        name: String, description: String, partitions: Int32, replicationFactor: Int16, cleanupPolicy: CleanupPolicy,
        retentionMs: Int64?, key: KeyRule, acceptsAnyType: Bool, writer: TopicWriter = .keel, tenantReadable: Bool = false,
        eventTypes: [EventTypeDefinition], extraConfig: [String: String]
    ) {
        self.name = name
        self.description = description
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.cleanupPolicy = cleanupPolicy
        self.retentionMs = retentionMs
        self.key = key
        self.acceptsAnyType = acceptsAnyType
        self.writer = writer
        self.tenantReadable = tenantReadable
        self.eventTypes = eventTypes
        self.extraConfig = extraConfig
    }

    /// The Kafka topic configs to apply: `cleanup.policy`, `retention.ms` and `extraConfig`.
    public var kafkaConfig: [String: String] {
        var config = extraConfig
        config["cleanup.policy"] = cleanupPolicy.kafkaValue
        config["retention.ms"] = String(retentionMs ?? -1)
        return config
    }

    public func eventType(named type: String) -> EventTypeDefinition? {
        eventTypes.first { $0.type == type }
    }
}
