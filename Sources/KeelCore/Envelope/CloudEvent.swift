import Foundation

/// The payload of a CloudEvent, in the form it was given.
///
/// `.json` is a parsed JSON document (the normal case for Keel's own events), `.text` a string for
/// `text/*` content, `.binary` opaque bytes for anything else.
public enum CloudEventData: Sendable, Hashable {
    case json(JSONValue)
    case text(String)
    case binary([UInt8])
}

/// A CloudEvents 1.0 event: the envelope of every record on every Keel topic.
///
/// The value itself guarantees nothing; call `validate()` (or build it with `init(structured:)`,
/// which validates) to know it obeys the spec and Keel's extension rules. Extension attributes are
/// kept in their canonical string form in `extensions`; the typed accessors read and write there.
/// `time` travels at millisecond precision on the wire (structured JSON and Kafka headers).
public struct CloudEvent: Sendable, Hashable {
    public var id: String
    public var source: String
    public var specversion: String
    public var type: String
    public var datacontenttype: String?
    public var dataschema: String?
    public var subject: String?
    public var time: Date?
    public var data: CloudEventData?
    /// Every non-core attribute, by name, in canonical string form.
    public var extensions: [String: String]

    /// The only CloudEvents version Keel speaks.
    public static let supportedSpecVersion = "1.0"

    /// The context attributes the spec defines, which extensions may not reuse.
    public static let coreAttributeNames: Set<String> = [
        "id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time", "data",
        "data_base64",
    ]

    /// A new event. The caller chooses `id` (Keel's own events use a lowercase UUIDv7, time-ordered
    /// so ids sort by creation): the pure core never reads the clock or randomness by itself.
    public init(
        id: String,
        source: String,
        type: String,
        specversion: String = CloudEvent.supportedSpecVersion,
        datacontenttype: String? = nil,
        dataschema: String? = nil,
        subject: String? = nil,
        time: Date? = nil,
        data: CloudEventData? = nil,
        extensions: [String: String] = [:]
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.specversion = specversion
        self.datacontenttype = datacontenttype
        self.dataschema = dataschema
        self.subject = subject
        self.time = time
        self.data = data
        self.extensions = extensions
    }

    /// A new JSON event (`datacontenttype` `application/json`).
    public init(
        id: String,
        source: String,
        type: String,
        subject: String? = nil,
        time: Date? = nil,
        json: JSONValue,
        extensions: [String: String] = [:]
    ) {
        self.init(
            id: id, source: source, type: type, datacontenttype: "application/json", subject: subject, time: time,
            data: .json(json), extensions: extensions)
    }

    /// `time` in milliseconds since the Unix epoch (rounded down), as stored on the wire.
    public var timeMs: Int64? {
        time.map(RFC3339.milliseconds(of:))
    }

    /// The JSON payload, when `data` is `.json`.
    public var jsonData: JSONValue? {
        if case .json(let value) = data { return value }
        return nil
    }
}

// MARK: - Keel's extension attributes

extension CloudEvent {
    /// Keel's tenant isolation key (`^[a-z0-9][a-z0-9-]{0,62}$`).
    public var tenantid: String? {
        get { extensions["tenantid"] }
        set { extensions["tenantid"] = newValue }
    }

    /// CloudEvents Partitioning extension: the Kafka record key, so per-key ordering holds.
    public var partitionkey: String? {
        get { extensions["partitionkey"] }
        set { extensions["partitionkey"] = newValue }
    }

    /// The id of the first event (or request) of the causal chain.
    public var correlationid: String? {
        get { extensions["correlationid"] }
        set { extensions["correlationid"] = newValue }
    }

    /// The id of the event (or command) that directly caused this one.
    public var causationid: String? {
        get { extensions["causationid"] }
        set { extensions["causationid"] = newValue }
    }

    /// CloudEvents Distributed Tracing extension: W3C `traceparent`.
    public var traceparent: String? {
        get { extensions["traceparent"] }
        set { extensions["traceparent"] = newValue }
    }

    /// CloudEvents Distributed Tracing extension: W3C `tracestate`.
    public var tracestate: String? {
        get { extensions["tracestate"] }
        set { extensions["tracestate"] = newValue }
    }

    /// The schema version of `data` for the event's type (a positive integer); `nil` when absent
    /// or not a valid integer (`validate()` reports the latter).
    public var dataversion: Int? {
        get { extensions["dataversion"].flatMap { Int($0) } }
        set { extensions["dataversion"] = newValue.map { String($0) } }
    }
}
