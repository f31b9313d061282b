import KeelCore

/// Dotted-path access to documents (`counts.byHour`), shared by the update, filter, sort and
/// aggregation evaluators.
///
/// Paths walk nested objects only: a path through an array or a scalar does not resolve (reads
/// see "missing"; writes through a non-object fail with `.invalidRequest` naming the path).
public enum DocumentPath {
    /// The value at `path`, or `nil` when any component is missing or not an object.
    @inline(__always)
    public static func value(at path: String, in document: Document) -> DocumentValue? {
        guard path.utf8.contains(UInt8(ascii: ".")) else { return document[path] }
        var object = document
        var remaining = path[...]
        while let dot = remaining.firstIndex(of: ".") {
            guard case .object(let child)? = object[String(remaining[..<dot])] else { return nil }
            object = child
            remaining = remaining[remaining.index(after: dot)...]
        }
        return object[String(remaining)]
    }

    /// False for an empty path or an empty component (`a..b`, `.a`, `a.`).
    @inline(__always)
    public static func isWellFormed(_ path: String) -> Bool {
        var previous = UInt8(ascii: ".")
        for byte in path.utf8 {
            if byte == UInt8(ascii: "."), previous == byte { return false }
            previous = byte
        }
        return previous != UInt8(ascii: ".")
    }

    /// Throws `.invalidRequest` for an empty path or an empty component (`a..b`, `.a`, `a.`).
    public static func validate(_ path: String, _ context: @autoclosure () -> String) throws(StoreError) {
        if !isWellFormed(path) {
            throw StoreError(.invalidRequest, "\(context()): invalid field path '\(path)' (empty component)")
        }
    }

    /// Calls `body` with the slot at `path` (nil when missing), in place, so nested objects stay
    /// uniquely referenced and are not copied.
    ///
    /// With `create`, missing intermediate objects are created and a non-object intermediate is an
    /// `.invalidRequest` error naming the path; without it (unset) the call is a no-op there.
    @inline(__always)
    static func modify(
        _ path: String, in document: inout Document, create: Bool, operator name: String,
        _ body: (inout DocumentValue?) throws(StoreError) -> Void
    ) throws(StoreError) {
        guard path.utf8.contains(UInt8(ascii: ".")) else {
            try body(&document[path])
            return
        }
        try modify(path[...], fullPath: path, in: &document, create: create, operator: name, body)
    }

    private static func modify(
        _ remaining: Substring, fullPath: String, in object: inout Document, create: Bool, operator name: String,
        _ body: (inout DocumentValue?) throws(StoreError) -> Void
    ) throws(StoreError) {
        guard let dot = remaining.firstIndex(of: ".") else {
            try body(&object[String(remaining)])
            return
        }
        let key = String(remaining[..<dot])
        let rest = remaining[remaining.index(after: dot)...]
        switch object[key] {
        case nil:
            guard create else { return }
            var child = Document()
            try modify(rest, fullPath: fullPath, in: &child, create: create, operator: name, body)
            object[key] = .object(child)
        case .object(var child)?:
            object[key] = .null  // drop the second reference so `child` is mutated in place
            defer { object[key] = .object(child) }
            try modify(rest, fullPath: fullPath, in: &child, create: create, operator: name, body)
        case .some(let other):
            guard create else { return }
            let prefix = fullPath[..<dot]  // `remaining` is a slice of `fullPath`: indices are shared
            throw StoreError(.invalidRequest, "\(name) '\(fullPath)': '\(prefix)' is \(other.typeName), not an object")
        }
    }
}

extension DocumentValue {
    /// A short type name for messages (`int`, `decimal`, `object`, …).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .double: "double"
        case .decimal: "decimal"
        case .string: "string"
        case .date: "date"
        case .binary: "binary"
        case .array: "array"
        case .object: "object"
        }
    }
}
