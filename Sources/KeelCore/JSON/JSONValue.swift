import Foundation

/// A JSON document as a Swift value.
///
/// Numbers keep the distinction the text made: an integer literal that fits `Int64` (no fraction,
/// no exponent) is `.int`, every other number is `.double`. Values are immutable and `Sendable`,
/// so a parsed document can be shared freely between tasks.
///
/// Note: object keys are Swift `String`s, which compare by Unicode canonical equivalence, so two
/// keys that differ only in normalization (NFC vs NFD) are the same key.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// The member `key` of an object; `nil` for a missing key or when this is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// Any number as a `Double` (integers convert, possibly rounding beyond 2^53).
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Resolves an RFC 6901 JSON pointer ("" is the whole document, "/a/0/b~1c" walks down).
    /// Returns `nil` when the pointer is malformed or names nothing.
    public func value(atPointer pointer: String) -> JSONValue? {
        if pointer.isEmpty { return self }
        guard pointer.hasPrefix("/") else { return nil }
        var current = self
        for rawToken in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = JSONPointer.unescape(String(rawToken))
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let elements):
                // RFC 6901: array indexes are decimal without leading zeros.
                guard let index = Int(token), String(index) == token, index >= 0, index < elements.count else {
                    return nil
                }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }
}

/// RFC 6901 JSON pointer helpers.
public enum JSONPointer {
    /// Escapes one reference token (`~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Reverses `escape` (order matters: `~1` first so `~01` becomes `~1`, not `/`).
    public static func unescape(_ token: String) -> String {
        guard token.contains("~") else { return token }
        return token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }

    /// `base` extended by one token.
    public static func appending(_ base: String, _ token: String) -> String {
        base + "/" + escape(token)
    }
}
