/// The CloudEvents Kafka protocol binding (binary and structured content modes).
///
/// Keys: the binding (§3.1) says a key mapper "SHOULD" map the `partitionkey` extension to the
/// record key as-is, and "MUST NOT modify the CloudEvent", so `partitionkey` is *also* still sent
/// as the `ce_partitionkey` header. Decoding therefore reads `partitionkey` only from the event
/// (header or structured attribute) and never invents it from the record key.
public enum KafkaBinding {
    public static let headerPrefix = "ce_"
    public static let contentTypeHeader = "content-type"
    public static let structuredContentType = "application/cloudevents+json; charset=UTF-8"

    /// Binary content mode: every attribute except `data` and `datacontenttype` as a `ce_<name>`
    /// header (UTF-8; `time` as RFC 3339 UTC with milliseconds), `datacontenttype` as the
    /// `content-type` header, `data` as the value (JSON serialized compactly for `.json`, UTF-8
    /// for `.text`, as-is for `.binary`; `nil` when there is no data — a tombstone on compacted
    /// topics), and `partitionkey` as the key (`nil` when absent). Headers are emitted in a fixed
    /// order (core attributes, then extensions by name) so encoding is deterministic.
    public static func encode(_ event: CloudEvent) -> (key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader]) {
        var headers: [RecordHeader] = [
            RecordHeader(name: "ce_specversion", text: event.specversion),
            RecordHeader(name: "ce_id", text: event.id),
            RecordHeader(name: "ce_source", text: event.source),
            RecordHeader(name: "ce_type", text: event.type),
        ]
        if let subject = event.subject { headers.append(RecordHeader(name: "ce_subject", text: subject)) }
        if let time = event.time { headers.append(RecordHeader(name: "ce_time", text: RFC3339.format(time))) }
        if let dataschema = event.dataschema { headers.append(RecordHeader(name: "ce_dataschema", text: dataschema)) }
        for name in event.extensions.keys.sorted() {
            headers.append(RecordHeader(name: headerPrefix + name, text: event.extensions[name]!))
        }
        if let datacontenttype = event.datacontenttype {
            headers.append(RecordHeader(name: contentTypeHeader, text: datacontenttype))
        }
        let value: [UInt8]?
        switch event.data {
        case .json(let json)?: value = json.serialized()
        case .text(let text)?: value = Array(text.utf8)
        case .binary(let bytes)?: value = bytes
        case nil: value = nil
        }
        return (event.partitionkey.map { Array($0.utf8) }, value, headers)
    }

    /// Structured content mode: `content-type: application/cloudevents+json; charset=UTF-8` and
    /// the JSON event format as the value. The key is still `partitionkey`.
    public static func encodeStructured(_ event: CloudEvent) -> (key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader]) {
        (
            event.partitionkey.map { Array($0.utf8) }, event.structured().serialized(),
            [RecordHeader(name: contentTypeHeader, text: structuredContentType)]
        )
    }

    /// Reads either content mode and validates the event.
    ///
    /// Structured mode is chosen when `content-type` starts with `application/cloudevents`
    /// (case-insensitively); only the `+json` format is supported. Otherwise binary mode: `data`
    /// is `.json` when `content-type` is JSON (`application/json` or a `+json` suffix) — or absent —
    /// and the value parses; `.text` for `text/*` with valid UTF-8; else `.binary`.
    /// Header names are matched case-insensitively; a repeated attribute header is an error.
    public static func decode(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader]) throws(EventValidationError)
        -> CloudEvent
    {
        // Runs for every record a processor reads: one pass over the headers straight into the
        // attributes, without an intermediate dictionary (hashing dominated the profile).
        var contentType: String?
        var attributes = BinaryAttributes()
        for header in headers {
            // Header names are lowercase by the binding; lowercase only the odd one that isn't.
            let name = header.name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) ? header.name.lowercased() : header.name
            if name == contentTypeHeader {
                guard contentType == nil else {
                    throw EventValidationError(field: "datacontenttype", reason: "the content-type header appears more than once")
                }
                guard let text = header.text else {
                    throw EventValidationError(field: "datacontenttype", reason: "the content-type header must be UTF-8 text")
                }
                contentType = text
            } else if name.hasPrefix(headerPrefix) {
                let attribute = String(name.dropFirst(headerPrefix.count))
                guard let text = header.text else {
                    throw EventValidationError(field: attribute, reason: "header \(header.name) must be UTF-8 text")
                }
                guard attributes.set(attribute, text) else {
                    throw EventValidationError(field: attribute, reason: "header \(header.name) appears more than once")
                }
            }
        }
        // Structured mode only for a record with no `ce_` attribute at all: a binary-mode record
        // (one that carries its attributes, its tenant among them, in headers) whose content
        // type merely *says* cloudevents is still binary, so its data can never pose as a whole
        // event and claim another tenant.
        if !attributes.any, let contentType, contentType.utf8.count >= 23,
            contentType.lowercased().hasPrefix("application/cloudevents")
        {
            return try decodeStructured(contentType: contentType, value: value)
        }
        return try decodeBinary(contentType: contentType, attributes: attributes, value: value)
    }

    /// The tenant a record was stamped with: its `ce_tenantid` header (Keel's writers always
    /// write binary mode, so every tenant's record carries one). Readable even when the record
    /// does not decode, so a poison record is still filed under its own tenant.
    public static func stampedTenant(in headers: [RecordHeader]) -> String? {
        for header in headers where header.name.count == 11 && header.name.lowercased() == "ce_tenantid" {
            return header.text
        }
        return nil
    }

    /// Decodes a record that is read on a tenant's behalf (live streams, projections, the access
    /// directory) and checks that the tenant it names is the one it was stamped with: a record
    /// whose decoded `tenantid` differs from its `ce_tenantid` header is refused, whatever mode
    /// it arrived in.
    public static func decodeStamped(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader]) throws(EventValidationError)
        -> CloudEvent
    {
        let event = try decode(key: key, value: value, headers: headers)
        let stamp = stampedTenant(in: headers)
        if let stamp, event.tenantid != stamp {
            throw EventValidationError(
                field: "tenantid",
                reason: "the record was stamped for tenant '\(stamp)' but its event names '\(event.tenantid ?? "none")'")
        }
        return event
    }

    /// The `ce_` attributes of one binary-mode record, as read.
    private struct BinaryAttributes {
        var id: String?
        var source: String?
        var specversion: String?
        var type: String?
        var datacontenttype: String?
        var dataschema: String?
        var subject: String?
        var time: String?
        var extensions: [String: String] = [:]
        /// Was any `ce_` header read?
        var any = false

        /// Records one attribute; false if it was already there.
        mutating func set(_ name: String, _ text: String) -> Bool {
            any = true
            func store(_ slot: inout String?) -> Bool {
                guard slot == nil else { return false }
                slot = text
                return true
            }
            switch name {
            case "id": return store(&id)
            case "source": return store(&source)
            case "specversion": return store(&specversion)
            case "type": return store(&type)
            case "datacontenttype": return store(&datacontenttype)
            case "dataschema": return store(&dataschema)
            case "subject": return store(&subject)
            case "time": return store(&time)
            default: return extensions.updateValue(text, forKey: name) == nil
            }
        }
    }

    private static func decodeStructured(contentType: String, value: [UInt8]?) throws(EventValidationError) -> CloudEvent {
        guard Syntax.mediaTypeEssence(contentType) == "application/cloudevents+json" else {
            throw EventValidationError(
                field: "datacontenttype",
                reason: "unsupported event format '\(contentType)' (supported: application/cloudevents+json)")
        }
        guard let value else {
            throw EventValidationError(field: "event", reason: "structured mode record has no value")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(value)
        } catch {
            throw EventValidationError(field: "event", reason: error.description)
        }
        return try CloudEvent(structured: json)
    }

    private static func decodeBinary(contentType: String?, attributes: BinaryAttributes, value: [UInt8]?)
        throws(EventValidationError) -> CloudEvent
    {
        func required(_ value: String?, _ name: String) throws(EventValidationError) -> String {
            guard let value else {
                throw EventValidationError(field: name, reason: "is required (header ce_\(name) is missing)")
            }
            return value
        }
        var event = CloudEvent(
            id: try required(attributes.id, "id"), source: try required(attributes.source, "source"),
            type: try required(attributes.type, "type"), specversion: try required(attributes.specversion, "specversion"),
            datacontenttype: contentType)
        event.dataschema = attributes.dataschema
        event.subject = attributes.subject
        if let time = attributes.time {
            guard let date = RFC3339.parse(time) else {
                throw EventValidationError(
                    field: "time", reason: "must be an RFC 3339 timestamp like 2026-11-21T07:10:45.123Z, got '\(time)'")
            }
            event.time = date
        }
        event.extensions = attributes.extensions
        if let datacontenttype = attributes.datacontenttype {
            // The binding maps datacontenttype only to content-type; a ce_ header for it conflicts.
            throw EventValidationError(
                field: "datacontenttype", reason: "must travel in the content-type header, not ce_datacontenttype ('\(datacontenttype)')")
        }
        if let value {
            event.data = data(from: value, contentType: contentType)
        }
        try event.validate()
        return event
    }

    private static func data(from value: [UInt8], contentType: String?) -> CloudEventData {
        let isJSON = contentType.map(Syntax.isJSONMediaType) ?? true
        if isJSON, let json = try? JSONValue.parse(value) {
            return .json(json)
        }
        if let contentType, Syntax.isTextMediaType(contentType), let text = String(validating: value, as: UTF8.self) {
            return .text(text)
        }
        return .binary(value)
    }
}
