extension CloudEvent {
    /// Checks the CloudEvents 1.0 rules and Keel's extension rules; throws the first violation,
    /// naming the attribute. Order: required attributes, then optional ones, then extensions
    /// (sorted by name, so the error for a given event is deterministic).
    public func validate() throws(EventValidationError) {
        try requireNonEmpty(id, "id")
        try requireNonEmpty(source, "source", "must be a non-empty URI-reference")
        guard Syntax.isURIReference(source) else {
            throw EventValidationError(field: "source", reason: "must be a URI-reference (RFC 3986), got '\(source)'")
        }
        guard specversion == CloudEvent.supportedSpecVersion else {
            throw EventValidationError(
                field: "specversion",
                reason: "unsupported version '\(specversion)' (supported: \(CloudEvent.supportedSpecVersion))")
        }
        try requireNonEmpty(type, "type")
        if let datacontenttype, !Syntax.isMediaType(datacontenttype) {
            throw EventValidationError(
                field: "datacontenttype", reason: "must be an RFC 2046 media type such as application/json, got '\(datacontenttype)'")
        }
        if let dataschema, !Syntax.isAbsoluteURI(dataschema) {
            throw EventValidationError(field: "dataschema", reason: "must be an absolute URI (RFC 3986), got '\(dataschema)'")
        }
        if let subject, subject.isEmpty {
            throw EventValidationError(field: "subject", reason: "must be non-empty when present")
        }
        if let time, !time.timeIntervalSince1970.isFinite {
            throw EventValidationError(field: "time", reason: "must be a valid RFC 3339 timestamp")
        }
        for name in extensions.keys.sorted() {
            try CloudEvent.validateExtension(name: name, value: extensions[name]!)
        }
    }

    private func requireNonEmpty(_ value: String, _ field: String, _ reason: String = "must be a non-empty string")
        throws(EventValidationError)
    {
        if value.isEmpty { throw EventValidationError(field: field, reason: reason) }
    }

    /// The naming rule for extension attributes (CloudEvents 1.0 §Attribute Naming Convention).
    static func isValidExtensionName(_ name: String) -> Bool {
        (1...20).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    static func validateExtension(name: String, value: String) throws(EventValidationError) {
        guard isValidExtensionName(name) else {
            throw EventValidationError(
                field: name, reason: "extension attribute names must be 1-20 characters of lowercase a-z and 0-9")
        }
        guard !coreAttributeNames.contains(name) else {
            throw EventValidationError(field: name, reason: "is a core attribute and cannot be an extension")
        }
        switch name {
        case "traceparent":
            guard isValidTraceparent(value) else {
                throw EventValidationError(
                    field: name,
                    reason: "must be a W3C traceparent '00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>' with non-zero ids")
            }
        case "dataversion":
            guard let first = value.utf8.first, first != UInt8(ascii: "0"),
                value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let number = Int32(value), number > 0
            else {
                throw EventValidationError(field: name, reason: "must be a positive integer, got '\(value)'")
            }
        case "partitionkey":
            if value.isEmpty { throw EventValidationError(field: name, reason: "must be non-empty when present") }
        case "tenantid":
            guard isValidTenantID(value) else {
                throw EventValidationError(
                    field: name, reason: "must match ^[a-z0-9][a-z0-9-]{0,62}$, got '\(value)'")
            }
        default:
            break
        }
    }

    /// `^[a-z0-9][a-z0-9-]{0,62}$`.
    public static func isValidTenantID(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func allowed(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        return allowed(bytes[0]) && bytes.dropFirst().allSatisfy { allowed($0) || $0 == UInt8(ascii: "-") }
    }

    /// W3C Trace Context version 00: lowercase hex, trace-id and parent-id not all zeros.
    static func isValidTraceparent(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"),
            bytes[52] == UInt8(ascii: "-"), bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0")
        else { return false }
        func lowerHex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        }
        func allZero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == UInt8(ascii: "0") } }
        return lowerHex(3..<35) && lowerHex(36..<52) && lowerHex(53..<55) && !allZero(3..<35) && !allZero(36..<52)
    }
}
