import Foundation
import KeelCore

/// Applies `DocumentChange` operations to documents in memory, with MongoDB's meaning. The
/// embedded store evaluates every write with it; another adapter may use it to check or
/// simulate writes.
///
/// Guarantees:
/// - Upsert of a missing document starts from `{_id}`, applies `setOnInsert`, then the other
///   operators; for an existing document `setOnInsert` is ignored.
/// - `inc`: a missing field counts as zero; int + int stays int (overflow is an error, never a
///   silent wrap); int/double mixes give a double; anything with a decimal gives an exact
///   decimal.
/// - `max`/`min` use `DocumentValue.compare`; a missing field takes the given value.
/// - `push` appends in order, creating the array; `unset` of a missing path is a no-op.
/// - Dotted paths create missing intermediate objects.
/// - Any type error (inc of a string, push onto a non-array, a path through a scalar), a path
///   in two operators (or one a prefix of the other), an empty path component, or a change to
///   `_id` throws `StoreError(.invalidRequest)` naming the path; the input is then unusable
///   and the caller must discard it (stores roll back the batch).
public enum DocumentUpdater {
    /// The document after `update`; `existing` is `nil` when the document does not exist.
    public static func upsert(_ update: DocumentUpdate, into existing: Document?, id: String) throws(StoreError) -> Document {
        var document = existing
        try upsert(update, into: &document, id: id)
        return document ?? [:]
    }

    /// In place: the document stays uniquely referenced (no copy) when the caller holds the only
    /// reference. Afterwards `document` is non-nil. On a throw, `document` is unspecified.
    public static func upsert(_ update: DocumentUpdate, into existing: inout Document?, id: String) throws(StoreError) {
        try validate(update, id: id)
        var document: Document
        if let current = existing {
            document = current
            existing = nil  // keep `document` uniquely referenced
        } else {
            document = ["_id": .string(id)]
            for (path, value) in update.setOnInsert {
                try DocumentPath.modify(path, in: &document, create: true, operator: "setOnInsert") { $0 = value }
            }
        }
        defer { existing = document }
        for (path, value) in update.set {
            try DocumentPath.modify(path, in: &document, create: true, operator: "set") { $0 = value }
        }
        for (path, amount) in update.inc {
            try DocumentPath.modify(path, in: &document, create: true, operator: "inc") { (slot) throws(StoreError) in
                slot = try add(slot, amount, path: path)
            }
        }
        for (path, value) in update.max {
            try DocumentPath.modify(path, in: &document, create: true, operator: "max") { slot in
                if let current = slot, DocumentValue.compare(value, current) <= 0 { return }
                slot = value
            }
        }
        for (path, value) in update.min {
            try DocumentPath.modify(path, in: &document, create: true, operator: "min") { slot in
                if let current = slot, DocumentValue.compare(value, current) >= 0 { return }
                slot = value
            }
        }
        for (path, values) in update.push {
            try DocumentPath.modify(path, in: &document, create: true, operator: "push") { (slot) throws(StoreError) in
                switch slot {
                case nil: slot = .array(values)
                case .array(var array)?:
                    slot = nil  // keep `array` uniquely referenced
                    array.append(contentsOf: values)
                    slot = .array(array)
                case .some(let other):
                    throw StoreError(.invalidRequest, "push '\(path)': the field is \(other.typeName), not an array")
                }
            }
        }
        for path in update.unset {
            try DocumentPath.modify(path, in: &document, create: false, operator: "unset") { $0 = nil }
        }
    }

    /// A replacement document with `_id` set to `id` (a different `_id` is `.invalidRequest`).
    public static func replacement(_ document: Document, id: String) throws(StoreError) -> Document {
        if let given = document["_id"], given != .string(id) {
            throw StoreError(.invalidRequest, "replace '\(id)': the document's _id \(given) differs from the change's id")
        }
        var document = document
        document["_id"] = .string(id)
        return document
    }

    /// Adds two numbers with the `inc` type rules; `current == nil` counts as zero.
    public static func add(_ current: DocumentValue?, _ amount: DocumentValue, path: String) throws(StoreError) -> DocumentValue {
        guard amount.typeClass == 1 else {
            throw StoreError(.invalidRequest, "inc '\(path)': the amount is \(amount.typeName), not a number")
        }
        guard let current else { return amount }
        switch (current, amount) {
        case (.int(let a), .int(let b)):
            let (sum, overflow) = a.addingReportingOverflow(b)
            if overflow { throw StoreError(.invalidRequest, "inc '\(path)': int overflow (\(a) + \(b))") }
            return .int(sum)
        case (.decimal, _), (_, .decimal):
            guard let a = current.decimalValue, let b = amount.decimalValue else { break }
            return .decimal(a + b)
        case (.double(let a), .double(let b)): return .double(a + b)
        case (.double(let a), .int(let b)): return .double(a + Double(b))
        case (.int(let a), .double(let b)): return .double(Double(a) + b)
        default: break
        }
        throw StoreError(.invalidRequest, "inc '\(path)': the field is \(current.typeName), not a number")
    }

    /// Checks paths: non-empty components, no path in two operators (nor one a prefix of
    /// another), `_id` untouched (except setting it to its own value).
    public static func validate(_ update: DocumentUpdate, id: String) throws(StoreError) {
        var paths: [String] = []
        paths.reserveCapacity(
            update.set.count + update.setOnInsert.count + update.inc.count + update.max.count + update.min.count + update.push.count
                + update.unset.count)
        paths.append(contentsOf: update.set.keys)
        paths.append(contentsOf: update.setOnInsert.keys)
        paths.append(contentsOf: update.inc.keys)
        paths.append(contentsOf: update.max.keys)
        paths.append(contentsOf: update.min.keys)
        paths.append(contentsOf: update.push.keys)
        paths.append(contentsOf: update.unset)
        for path in paths {
            if !DocumentPath.isWellFormed(path) {
                throw StoreError(.invalidRequest, "update of '\(id)': invalid field path '\(path)' (empty component)")
            }
            if path.utf8.first == UInt8(ascii: "_"), path == "_id" || path.hasPrefix("_id.") {
                let value = update.set[path] ?? update.setOnInsert[path]
                if path != "_id" || value != .string(id) {
                    throw StoreError(.invalidRequest, "update of '\(id)': the field '_id' is immutable")
                }
            }
        }
        guard paths.count > 1 else { return }
        if paths.count <= 24 {
            for i in paths.indices {
                for j in paths.indices where j > i {
                    if conflict(paths[i], paths[j]) {
                        throw StoreError(
                            .invalidRequest,
                            "update of '\(id)': paths '\(paths[i])' and '\(paths[j])' conflict (a path may appear in one operator only)")
                    }
                }
            }
        } else {
            var seen = Set<String>(minimumCapacity: paths.count)
            for path in paths where !seen.insert(path).inserted {
                throw StoreError(.invalidRequest, "update of '\(id)': path '\(path)' appears in two operators")
            }
            for path in paths {
                var prefix = path[...]
                while let dot = prefix.lastIndex(of: ".") {
                    prefix = prefix[..<dot]
                    if seen.contains(String(prefix)) {
                        throw StoreError(.invalidRequest, "update of '\(id)': paths '\(prefix)' and '\(path)' conflict")
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func conflict(_ a: String, _ b: String) -> Bool {
        let (short, long) = a.utf8.count <= b.utf8.count ? (a, b) : (b, a)
        guard long.hasPrefix(short) else { return false }
        let count = short.utf8.count
        return long.utf8.count == count || long.utf8[long.utf8.index(long.utf8.startIndex, offsetBy: count)] == UInt8(ascii: ".")
    }
}
