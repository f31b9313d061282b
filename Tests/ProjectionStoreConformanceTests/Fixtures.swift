import Foundation
import KeelCore
import KeelStore
import KeelTestSupport

/// A projection under test: unique names, and a writer that advances its own offsets.
struct Projection {
    let store: any ProjectionStore
    let target: CollectionSet
    let collection: String
    var nextOffset: Int64 = 0

    init(_ store: any ProjectionStore, generation: String? = nil, projection: String = uniqueName("proj"), collection: String = uniqueName("coll")) {
        self.store = store
        target = CollectionSet(projection: projection, generation: generation)
        self.collection = collection
    }

    /// Applies `changes` as the next batch on partition 0 of topic `t`.
    @discardableResult
    mutating func apply(_ changes: [DocumentChange]) async throws -> ApplyOutcome {
        nextOffset += Int64(max(changes.count, 1))
        return try await store.apply(batch(changes, positions: [LogPosition("t", 0): nextOffset]))
    }

    func batch(_ changes: [DocumentChange], positions: [LogPosition: Int64]) -> ProjectionBatch {
        ProjectionBatch(target: target, changes: changes, checkpoint: ProjectionCheckpoint(positions: positions))
    }

    func upsert(_ id: String, _ update: DocumentUpdate) -> DocumentChange {
        DocumentChange(collection: collection, id: id, operation: .upsert(update))
    }

    func replace(_ id: String, _ document: Document) -> DocumentChange {
        DocumentChange(collection: collection, id: id, operation: .replace(document))
    }

    func delete(_ id: String) -> DocumentChange {
        DocumentChange(collection: collection, id: id, operation: .delete)
    }

    func find(_ id: String) async throws -> Document? {
        try await store.find(target, collection: collection, id: id)
    }

    func query(_ filter: [FieldFilter] = [], sort: [SortField] = [], limit: Int = 100, after: String? = nil) async throws -> DocumentPage {
        try await store.query(DocumentQuery(target: target, collection: collection, filter: filter, sort: sort, limit: limit, after: after))
    }

    /// Every page of a query, following cursors.
    func all(_ filter: [FieldFilter] = [], sort: [SortField] = [], limit: Int = 100) async throws -> [Document] {
        var documents: [Document] = []
        var cursor: String?
        repeat {
            let page = try await query(filter, sort: sort, limit: limit, after: cursor)
            documents += page.documents
            cursor = page.nextCursor
        } while cursor != nil
        return documents
    }

    func count(_ filter: [FieldFilter] = []) async throws -> Int {
        try await store.count(target, collection: collection, filter: filter)
    }

    func aggregate(groupBy: [String] = [], bucket: TimeBucket? = nil, filter: [FieldFilter] = [], metrics: [Metric]) async throws -> [AggregationRow]
    {
        try await store.aggregate(
            Aggregation(target: target, collection: collection, filter: filter, groupBy: groupBy, timeBucket: bucket, metrics: metrics))
    }
}

func dec(_ text: String) -> DocumentValue { .decimal(Decimal(string: text)!) }

/// UTC milliseconds of an ISO 8601 instant such as `2024-03-31T01:30:00Z`.
func ms(_ iso: String) -> Int64 {
    let formatter = ISO8601DateFormatter()
    guard let date = formatter.date(from: iso) else { fatalError("bad instant \(iso)") }
    return Int64((date.timeIntervalSince1970 * 1000).rounded())
}

func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

func ids(_ documents: [Document]) -> [String] { documents.compactMap { $0["_id"]?.stringValue } }
