/// Folds a batch's document changes so each document is written as few times as possible,
/// without changing the result.
///
/// Guarantee: applying `merge(changes)` in order to any starting state gives the same documents
/// as applying `changes` in order. Where two consecutive changes of a document cannot be folded
/// into one with that guarantee, both are kept (in order). Rules, for a change A followed by B
/// on the same document:
/// - `replace`/`delete` B wins outright (it ignores whatever A did).
/// - upsert + upsert: `$inc`+`$inc` adds (same numeric kind), `$max`/`$min` keep the extreme,
///   `$set` B wins over anything A did to that path, `$inc`/`$max`/`$min` B onto `$set` A folds
///   into the set value, `$push` concatenates, B's `$setOnInsert` is dropped (A's upsert already
///   created the document). Any other combination on one path — or paths where one is a prefix of
///   the other — is not folded.
/// - `replace` A or `delete` A followed by an upsert: not folded.
public enum ChangeMerger {
    public static func merge(_ changes: [DocumentChange]) -> [DocumentChange] {
        var output: [DocumentChange] = []
        output.reserveCapacity(changes.count)
        var last: [DocumentKey: Int] = [:]
        for change in changes {
            let key = DocumentKey(collection: change.collection, id: change.id)
            if let index = last[key], let folded = fold(output[index].operation, change.operation) {
                output[index].operation = folded
            } else {
                last[key] = output.count
                output.append(change)
            }
        }
        return output
    }

    private struct DocumentKey: Hashable {
        var collection: String
        var id: String
    }

    /// A then B as one operation, or `nil` when that is not provably equivalent.
    static func fold(_ a: DocumentChange.Operation, _ b: DocumentChange.Operation) -> DocumentChange.Operation? {
        switch (a, b) {
        case (_, .replace), (_, .delete): return b
        case (.upsert(let first), .upsert(let second)):
            return fold(first, second).map { .upsert($0) }
        default: return nil
        }
    }

    static func fold(_ a: DocumentUpdate, _ b: DocumentUpdate) -> DocumentUpdate? {
        guard pathsDoNotNest(a, b) else { return nil }
        var result = a
        // B's $setOnInsert never applies: A's upsert already created the document (or it
        // existed), so dropping it is exact.
        for (path, value) in b.set {
            result.removeAll(path)
            result.set[path] = value
        }
        for path in b.unset {
            result.removeAll(path)
            result.unset.insert(path)
        }
        for (path, value) in b.inc {
            if let base = result.set[path] {
                guard let sum = add(base, value) else { return nil }
                result.set[path] = sum
            } else if let base = result.inc[path] {
                guard let sum = add(base, value) else { return nil }
                result.inc[path] = sum
            } else if result.touches(path) {
                return nil
            } else {
                result.inc[path] = value
            }
        }
        for (path, value) in b.max {
            guard foldExtreme(path, value, into: &result, keepLarger: true) else { return nil }
        }
        for (path, value) in b.min {
            guard foldExtreme(path, value, into: &result, keepLarger: false) else { return nil }
        }
        for (path, values) in b.push {
            if let existing = result.push[path] {
                result.push[path] = existing + values
            } else if result.touches(path) {
                return nil
            } else {
                result.push[path] = values
            }
        }
        return result
    }

    /// Folds B's `$max` (or `$min`) of `path` into `result`; false when that is not exact.
    private static func foldExtreme(_ path: String, _ value: DocumentValue, into result: inout DocumentUpdate, keepLarger: Bool) -> Bool {
        func pick(_ x: DocumentValue, _ y: DocumentValue) -> DocumentValue {
            let order = DocumentValue.compare(x, y)
            return keepLarger ? (order >= 0 ? x : y) : (order <= 0 ? x : y)
        }
        if let base = result.set[path] {
            result.set[path] = pick(base, value)
        } else if keepLarger, let current = result.max[path] {
            result.max[path] = pick(current, value)
        } else if !keepLarger, let current = result.min[path] {
            result.min[path] = pick(current, value)
        } else if result.touches(path) {
            return false
        } else if keepLarger {
            result.max[path] = value
        } else {
            result.min[path] = value
        }
        return true
    }

    /// `$inc` arithmetic for two values of the same numeric kind (mixed kinds are not folded:
    /// the stores' type promotion rules would have to be reproduced exactly).
    static func add(_ x: DocumentValue, _ y: DocumentValue) -> DocumentValue? {
        switch (x, y) {
        case (.int(let a), .int(let b)):
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? nil : .int(sum)
        case (.double(let a), .double(let b)): return .double(a + b)
        case (.decimal(let a), .decimal(let b)): return .decimal(a + b)
        default: return nil
        }
    }

    /// True unless some path of A is a strict prefix of one of B (or vice versa).
    private static func pathsDoNotNest(_ a: DocumentUpdate, _ b: DocumentUpdate) -> Bool {
        // Fast path (the common case, and the hot loop of a replay): without dotted paths no
        // path can be a prefix of another.
        guard a.hasDottedPath || b.hasDottedPath else { return true }
        let left = a.allPaths
        let right = b.allPaths
        for x in left {
            for y in right where x != y && (y.hasPrefix(x + ".") || x.hasPrefix(y + ".")) {
                return false
            }
        }
        return true
    }
}

extension DocumentUpdate {
    var hasDottedPath: Bool {
        func dotted<V>(_ operators: [String: V]) -> Bool { operators.keys.contains { $0.utf8.contains(UInt8(ascii: ".")) } }
        return dotted(self.set) || dotted(setOnInsert) || dotted(inc) || dotted(self.max) || dotted(self.min) || dotted(push)
            || unset.contains { $0.utf8.contains(UInt8(ascii: ".")) }
    }

    var allPaths: Set<String> {
        Set(self.set.keys).union(setOnInsert.keys).union(inc.keys).union(self.max.keys).union(self.min.keys)
            .union(push.keys).union(unset)
    }

    func touches(_ path: String) -> Bool {
        self.set[path] != nil || setOnInsert[path] != nil || inc[path] != nil || self.max[path] != nil
            || self.min[path] != nil || push[path] != nil || unset.contains(path)
    }

    /// Drops `path` from every operator: B's `$set`/`$unset` decides the path's final value
    /// whatever A did to it (including A's `$setOnInsert`).
    mutating func removeAll(_ path: String) {
        self.set[path] = nil
        setOnInsert[path] = nil
        inc[path] = nil
        self.max[path] = nil
        self.min[path] = nil
        push[path] = nil
        unset.remove(path)
    }
}
