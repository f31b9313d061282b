import Foundation
import KeelCore
import Synchronization

/// One TTL index of a collection: documents expire `seconds` after the date in `field`.
struct TTLIndex: Sendable, Hashable {
    var field: String
    var seconds: Int64
}

/// Each physical collection's TTL indexes, so reads can hide expired documents without asking the
/// server first (MongoDB deletes them lazily — its TTL monitor runs every 60 s).
///
/// Guarantees:
/// - Filled from `ensureIndexes` (after `createIndexes`, by `listIndexes`) and, on a collection's
///   first use by this store, from `listIndexes`. Entries only grow (`merge`), except `forget`.
/// - `forget` (after `promote` and `drop`, which move or remove indexes) also discards every lazy
///   load that started before it (an epoch check), so a stale `listIndexes` reply never lands.
/// - Not seen: a TTL index another process adds to a collection this store already cached (until
///   `ensureIndexes`, `promote` or `drop` on this store refreshes it). Keel declares indexes through
///   the store, so every process running a projection declares them itself at start.
final class TTLIndexCache: Sendable {
    private struct State {
        var entries: [String: Set<TTLIndex>] = [:]
        var epoch: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The cached indexes of `collection`, and the epoch a lazy load must present to store its result.
    func lookup(_ collection: String) -> (indexes: Set<TTLIndex>?, epoch: UInt64) {
        state.withLock { ($0.entries[collection], $0.epoch) }
    }

    /// Stores a lazily loaded listing unless a `forget` happened since `epoch` was read; unions with
    /// what `ensureIndexes` may have stored meanwhile.
    func fill(_ collection: String, _ indexes: Set<TTLIndex>, epoch: UInt64) {
        state.withLock { state in
            guard state.epoch == epoch else { return }
            state.entries[collection, default: []].formUnion(indexes)
        }
    }

    /// Adds what `ensureIndexes` found (indexes are only removed with their collection).
    func merge(_ collection: String, _ indexes: Set<TTLIndex>) {
        state.withLock { $0.entries[collection, default: []].formUnion(indexes) }
    }

    /// Drops the entries of collections that were renamed over or dropped.
    func forget(_ collections: some Sequence<String>) {
        state.withLock { state in
            for collection in collections { state.entries[collection] = nil }
            state.epoch &+= 1
        }
    }
}

/// Query conditions that decide TTL visibility, with the embedded store's semantics
/// (`IndexKeys.expiry`): a document is expired by a TTL index when the indexed field is a date, or
/// an array holding a date, with `date + seconds ≤ now`. A missing field or one without a date
/// never expires.
enum TTLFilter {
    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// `{$lte: now − ttl}` for one index: with a date operand `$lte` only matches dates (type
    /// bracketing), and it matches an array when any element does — exactly "expired".
    private static func expiredCondition(_ index: TTLIndex, nowMs: Int64) -> BSONItem {
        let (ttl, tooLong) = index.seconds.multipliedReportingOverflow(by: 1000)
        let (cutoff, beyond) = nowMs.subtractingReportingOverflow(ttl)
        let date = tooLong || beyond ? (index.seconds >= 0 ? Int64.min : Int64.max) : cutoff
        return .document(["$lte": .value(.date(date))])
    }

    /// The documents no TTL index has expired as of `nowMs` (`[:]` without TTL indexes).
    static func visible(_ indexes: Set<TTLIndex>, nowMs: Int64) -> BSONDoc {
        let clauses: [BSONItem] = sorted(indexes).map { index in
            .document([index.field: .document(["$not": expiredCondition(index, nowMs: nowMs)])])
        }
        switch clauses.count {
        case 0: return [:]
        case 1: if case .document(let only) = clauses[0] { return only } else { return [:] }
        default: return ["$and": .array(clauses)]
        }
    }

    /// The documents some TTL index has expired as of `nowMs` (`nil` without TTL indexes).
    static func expired(_ indexes: Set<TTLIndex>, nowMs: Int64) -> BSONDoc? {
        let clauses = sorted(indexes).map { index in BSONItem.document([index.field: expiredCondition(index, nowMs: nowMs)]) }
        switch clauses.count {
        case 0: return nil
        case 1: if case .document(let only) = clauses[0] { return only } else { return nil }
        default: return ["$or": .array(clauses)]
        }
    }

    private static func sorted(_ indexes: Set<TTLIndex>) -> [TTLIndex] {
        indexes.sorted { ($0.field, $0.seconds) < ($1.field, $1.seconds) }
    }
}

extension MongoContext {
    /// The TTL indexes of `collection`: from `cache`, else by `listIndexes` (then cached). Must not
    /// run inside a transaction (`listIndexes` is not allowed there).
    func ttlIndexes(_ collection: String, cache: TTLIndexCache) throws -> Set<TTLIndex> {
        let (cached, epoch) = cache.lookup(collection)
        if let cached { return cached }
        let listed = try listTTLIndexes(collection)
        cache.fill(collection, listed, epoch: epoch)
        return listed
    }

    /// The TTL indexes the server reports for `collection` (none for a missing collection).
    func listTTLIndexes(_ collection: String) throws -> Set<TTLIndex> {
        let indexes: [Document]
        do {
            indexes = try commandCursor(["listIndexes": .string(collection)], collection: collection, operation: "listIndexes \(collection)")
        } catch let failure as MongoFailure where failure.code == 26 {  // NamespaceNotFound
            return []
        }
        var result = Set<TTLIndex>()
        for index in indexes {
            guard let key = index["key"]?.objectValue, key.count == 1, let field = key.keys.first else { continue }
            let seconds: Int64
            switch index["expireAfterSeconds"] {
            case .int(let value)?: seconds = value
            case .double(let value)? where value.isFinite: seconds = Int64(value.rounded(.down))
            case .decimal(let value)?: seconds = Int64(NSDecimalNumber(decimal: value).doubleValue.rounded(.down))
            default: continue
            }
            result.insert(TTLIndex(field: field, seconds: seconds))
        }
        return result
    }

    /// Runs a command that answers with a cursor (`listIndexes`, `listCollections`) and pages
    /// through it with `getMore` on `collection`.
    func commandCursor(_ command: BSONDoc, collection: String, operation: String) throws -> [Document] {
        let reply = try self.command(command, operation: operation)
        var documents = (reply["cursor"]?.objectValue?["firstBatch"]?.arrayValue ?? []).compactMap(\.objectValue)
        var cursorID = reply["cursor"]?.objectValue?["id"]?.intValue ?? 0
        while cursorID != 0 {
            let more = try self.command(["getMore": .int64(cursorID), "collection": .string(collection)], operation: operation)
            let next = more["cursor"]?.objectValue
            documents += (next?["nextBatch"]?.arrayValue ?? []).compactMap(\.objectValue)
            cursorID = next?["id"]?.intValue ?? 0
        }
        return documents
    }
}

extension MongoContext {
    /// `filter` restricted to the documents of `collection` that no TTL index has expired now.
    func visible(_ filter: BSONDoc, in collection: String, cache: TTLIndexCache) throws -> BSONDoc {
        let indexes = try ttlIndexes(collection, cache: cache)
        guard !indexes.isEmpty else { return filter }
        return FilterTranslation.and(filter, TTLFilter.visible(indexes, nowMs: TTLFilter.nowMs()))
    }
}
