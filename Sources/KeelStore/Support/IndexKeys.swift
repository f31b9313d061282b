import Foundation
import KeelCore

/// What indexes mean for one document, independent of how a store enforces them.
public enum IndexKeys {
    /// A canonical byte key of the document's values for `fields` (missing = null, as MongoDB
    /// treats it), equal for two documents exactly when a unique index on `fields` considers
    /// them duplicates: numbers of equal value are equal across int/double/decimal when integral,
    /// and object keys are ordered.
    public static func uniqueKey(_ document: Document, fields: [SortField]) -> [UInt8] {
        var out: [UInt8] = []
        for field in fields { appendCanonical(DocumentPath.value(at: field.path, in: document) ?? .null, to: &out) }
        return out
    }

    /// When a TTL index expires the document (UTC ms), or `nil` if it never does: the indexed
    /// field's date (the earliest, for an array of dates) plus `seconds`.
    public static func expiry(_ document: Document, field: String, seconds: Int) -> Int64? {
        let ttl = Int64(seconds) * 1000
        switch DocumentPath.value(at: field, in: document) {
        case .date(let milliseconds)?: return milliseconds + ttl
        case .array(let values)?:
            return values.compactMap(\.dateValue).min().map { $0 + ttl }
        default: return nil
        }
    }

    /// Checks an index declaration: a name, at least one valid field, TTL on exactly one field
    /// with a non-negative number of seconds.
    public static func validate(_ spec: IndexSpec) throws(StoreError) {
        guard !spec.name.isEmpty else { throw StoreError(.invalidRequest, "an index needs a name") }
        guard !spec.fields.isEmpty else { throw StoreError(.invalidRequest, "index '\(spec.name)' has no fields") }
        for field in spec.fields { try DocumentPath.validate(field.path, "index \(spec.name)") }
        if let seconds = spec.expireAfterSeconds {
            guard spec.fields.count == 1, seconds >= 0 else {
                throw StoreError(.invalidRequest, "TTL index '\(spec.name)' needs exactly one field and expireAfterSeconds ≥ 0")
            }
        }
    }

    private static func appendCanonical(_ value: DocumentValue, to out: inout [UInt8]) {
        switch value {
        case .double(let number):
            if number.rounded() == number, let integer = Int64(exactly: number) {
                DocumentCodec.append(.int(integer), to: &out)
            } else {
                DocumentCodec.append(value, to: &out)
            }
        case .decimal(let number):
            if let integer = Int64(number.description) {
                DocumentCodec.append(.int(integer), to: &out)
            } else if let double = Double(number.description), Decimal(double) == number {
                DocumentCodec.append(.double(double), to: &out)
            } else {
                DocumentCodec.append(value, to: &out)
            }
        case .array(let values):
            out.append(DocumentCodec.Tag.array.rawValue)
            DocumentCodec.appendVarint(UInt64(values.count), to: &out)
            for element in values { appendCanonical(element, to: &out) }
        case .object(let object):
            out.append(DocumentCodec.Tag.object.rawValue)
            DocumentCodec.appendVarint(UInt64(object.count), to: &out)
            for key in object.keys.sorted() {
                DocumentCodec.appendBytes(key.utf8, to: &out)
                appendCanonical(object[key]!, to: &out)
            }
        default:
            DocumentCodec.append(value, to: &out)
        }
    }
}
