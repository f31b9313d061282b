/// The CloudEvents HTTP protocol binding, receive side: turns a request's headers and body into
/// validated events in all three content modes.
///
/// Guarantees: every event returned passed `CloudEvent.validate()`; every refusal is an
/// `EventValidationError` naming the attribute (`id`, `time`, `[3].type`) or `body`, and JSON
/// errors carry the parser's line, column and byte offset. Nothing is guessed: a JSON body that
/// does not parse is an error, not opaque bytes.
public enum HTTPBinding {
    /// How a request carries its event(s) (binding §3.1).
    public enum Mode: Sendable, Hashable {
        /// One event in the JSON event format (`application/cloudevents+json`).
        case structured
        /// A JSON array of events (`application/cloudevents-batch+json`).
        case batch
        /// Attributes in `ce-` headers, `data` as the body (any other content type, or none).
        case binary
    }

    public static let headerPrefix = "ce-"
    public static let structuredMediaType = "application/cloudevents+json"
    public static let batchMediaType = "application/cloudevents-batch+json"

    /// The mode a `Content-Type` selects: compared case-insensitively, parameters (`charset`)
    /// ignored.
    public static func contentMode(contentType: String?) -> Mode {
        guard let contentType else { return .binary }
        switch Syntax.mediaTypeEssence(contentType) {
        case structuredMediaType: return .structured
        case batchMediaType: return .batch
        default: return .binary
        }
    }

    /// One event in the JSON event format, parsed strictly (no duplicate keys, valid UTF-8).
    public static func decodeStructured(_ body: [UInt8]) throws(EventValidationError) -> CloudEvent {
        try CloudEvent(structured: parseBody(body))
    }

    /// A batch: a non-empty JSON array of at most `maxEvents` events in the JSON event format.
    /// All or nothing — the first bad element fails the whole batch, its error's field prefixed
    /// with the element's index (`[3].type`), so a client can fix it and resend everything.
    public static func decodeBatch(_ body: [UInt8], maxEvents: Int) throws(EventValidationError) -> [CloudEvent] {
        guard case .array(let elements) = try parseBody(body) else {
            throw EventValidationError(field: "body", reason: "a batch must be a JSON array of events (\(batchMediaType))")
        }
        guard !elements.isEmpty else {
            throw EventValidationError(field: "body", reason: "a batch must hold at least one event")
        }
        guard elements.count <= maxEvents else {
            throw EventValidationError(
                field: "body", reason: "a batch holds at most \(maxEvents) events, got \(elements.count)")
        }
        var events: [CloudEvent] = []
        events.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do {
                events.append(try CloudEvent(structured: element))
            } catch {
                throw EventValidationError(field: "[\(index)].\(error.field)", reason: error.reason)
            }
        }
        return events
    }

    /// Binary content mode (binding §3.1.3): each `ce-<name>` header is the attribute `<name>`
    /// (header names case-insensitive, the attribute name lowercased), its value percent-decoded
    /// as UTF-8 (§3.1.3.2); `Content-Type` is `datacontenttype`; the body is `data` — `.json` for
    /// a JSON media type (parsed strictly), `.text` for `text/*` (must be UTF-8), `.binary` for
    /// anything else or no content type, and no data for an empty body. A repeated attribute is
    /// an error (an HTTP stack joining repeated headers would otherwise decide the value).
    public static func decodeBinary(headers: [(name: String, value: String)], body: [UInt8]) throws(EventValidationError)
        -> CloudEvent
    {
        var contentType: String?
        var attributes: [String: String] = [:]
        for header in headers {
            let name = header.name.lowercased()
            if name == "content-type" {
                guard contentType == nil else {
                    throw EventValidationError(field: "datacontenttype", reason: "the Content-Type header appears more than once")
                }
                contentType = header.value
            } else if name.hasPrefix(headerPrefix) {
                let attribute = String(name.dropFirst(headerPrefix.count))
                guard !attribute.isEmpty else {
                    throw EventValidationError(field: name, reason: "header \(header.name) names no attribute")
                }
                let value = try percentDecoded(header.value, header: header.name, attribute: attribute)
                guard attributes.updateValue(value, forKey: attribute) == nil else {
                    throw EventValidationError(field: attribute, reason: "header \(headerPrefix)\(attribute) appears more than once")
                }
            }
        }
        func take(_ name: String) -> String? { attributes.removeValue(forKey: name) }
        func required(_ name: String) throws(EventValidationError) -> String {
            guard let value = take(name) else {
                throw EventValidationError(field: name, reason: "is required (header \(headerPrefix)\(name) is missing)")
            }
            return value
        }
        var event = CloudEvent(
            id: try required("id"), source: try required("source"), type: try required("type"),
            specversion: try required("specversion"), datacontenttype: contentType)
        if let declared = take("datacontenttype") {
            // The binding maps datacontenttype only to Content-Type; a ce- header for it conflicts.
            throw EventValidationError(
                field: "datacontenttype", reason: "must travel in the Content-Type header, not \(headerPrefix)datacontenttype ('\(declared)')")
        }
        event.dataschema = take("dataschema")
        event.subject = take("subject")
        if let time = take("time") {
            guard let date = RFC3339.parse(time) else {
                throw EventValidationError(
                    field: "time", reason: "must be an RFC 3339 timestamp like 2026-11-21T07:10:45.123Z, got '\(time)'")
            }
            event.time = date
        }
        // Whatever is left is an extension; `validate()` refuses core names (`data`) and bad ones.
        event.extensions = attributes
        if !body.isEmpty {
            event.data = try data(from: body, contentType: contentType)
        }
        try event.validate()
        return event
    }

    private static func parseBody(_ body: [UInt8]) throws(EventValidationError) -> JSONValue {
        do {
            return try JSONValue.parse(body)
        } catch {
            throw EventValidationError(field: "body", reason: error.description)
        }
    }

    private static func data(from body: [UInt8], contentType: String?) throws(EventValidationError) -> CloudEventData {
        guard let contentType else { return .binary(body) }
        if Syntax.isJSONMediaType(contentType) {
            return .json(try parseBody(body))
        }
        if Syntax.isTextMediaType(contentType) {
            guard let text = String(validating: body, as: UTF8.self) else {
                throw EventValidationError(field: "body", reason: "is not valid UTF-8, but Content-Type '\(contentType)' is text")
            }
            return .text(text)
        }
        return .binary(body)
    }

    /// Decodes every `%XX` (either case of hex) and requires the result to be UTF-8. Other
    /// characters pass through: senders must encode space, `"`, `%` and non-ASCII, but a
    /// receiver gains nothing by refusing a value that is otherwise unambiguous.
    static func percentDecoded(_ value: String, header: String, attribute: String) throws(EventValidationError) -> String {
        guard value.utf8.contains(UInt8(ascii: "%")) else { return value }
        let bytes = Array(value.utf8)
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "%") else {
                decoded.append(byte)
                index += 1
                continue
            }
            guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                throw EventValidationError(
                    field: attribute,
                    reason: "header \(header) has an invalid percent-encoding at byte \(index) of its value (expected %XX with two hex digits)")
            }
            decoded.append(high << 4 | low)
            index += 3
        }
        guard let text = String(validating: decoded, as: UTF8.self) else {
            throw EventValidationError(field: attribute, reason: "header \(header) percent-decodes to invalid UTF-8")
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
