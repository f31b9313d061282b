import Foundation
import KeelCore
import KeelLog
import KeelLogEmbedded
import KeelRuntime
import KeelStore
import KeelStoreEmbedded
import KeelTestSupport
import Logging
import Testing

let catalog = repositoryCatalog

/// A fresh embedded log (with the catalog's topics) and embedded store in a temporary directory.
final class Environment: @unchecked Sendable {
    // NOTE: @unchecked — the stored properties are immutable after init; log and store are
    // themselves thread-safe (their ports say so).
    let directory: TemporaryDirectory
    let log: EmbeddedEventLog
    let store: EmbeddedProjectionStore

    init(topics: [String]? = nil) async throws {
        directory = try TemporaryDirectory(prefix: "keel-runtime")
        log = try await EmbeddedEventLog(directory: "\(directory.path)/log", logger: quietLogger())
        store = try await EmbeddedProjectionStore(directory: "\(directory.path)/store", logger: quietLogger())
        for topic in catalog.topics where topics == nil || topics!.contains(topic.name) {
            _ = try await log.createTopic(TopicSpec(name: topic.name, partitions: topic.partitions))
        }
    }

    var logPath: String { "\(directory.path)/log" }
    var storePath: String { "\(directory.path)/store" }

    func close() async {
        try? await store.shutdown()
        try? await log.shutdown()
    }

    func remove() async {
        await close()
        directory.remove()
    }

    /// Produces events (binary mode, key = partitionkey) and returns their coordinates.
    @discardableResult
    func produce(_ events: [CloudEvent], to topic: String) async throws -> [RecordCoordinates] {
        let records = events.map { OutgoingRecord($0) }
        var coordinates: [RecordCoordinates] = []
        for start in stride(from: 0, to: records.count, by: 2000) {
            coordinates += try await log.produce(Array(records[start..<min(start + 2000, records.count)]), to: topic)
        }
        return coordinates
    }

    /// Runs a projector service until it has caught up with the log, then returns.
    func runUntilCaughtUp(_ projector: any Projector, store: (any ProjectionStore)? = nil, upcasters: UpcasterChain = .standard) async throws {
        var configuration = ProjectorService.Configuration()
        configuration.stopWhenCaughtUp = true
        configuration.initialBackoff = .milliseconds(10)
        configuration.maximumBackoff = .milliseconds(100)
        let service = ProjectorService(
            projector: projector, log: log, store: store ?? self.store, upcasters: upcasters, configuration: configuration,
            logger: quietLogger())
        try await service.run()
    }

    /// Every document of a collection of a generation, by id.
    func documents(_ collection: String, in target: CollectionSet) async throws -> [String: Document] {
        var result: [String: Document] = [:]
        var cursor: String?
        repeat {
            let page = try await store.query(DocumentQuery(target: target, collection: collection, limit: 1000, after: cursor))
            for document in page.documents { result[document["_id"]?.stringValue ?? "?"] = document }
            cursor = page.nextCursor
        } while cursor != nil
        return result
    }
}

/// A JSON CloudEvent with tenant, key and time.
func event(
    _ type: String, tenant: String? = "t1", key: String? = nil, timeMs: Int64 = 1_790_000_000_000, data: JSONValue = .object([:]),
    dataversion: Int? = nil, id: String = SystemIDs.uuidv7()
) -> CloudEvent {
    var event = CloudEvent(id: id, source: "test", type: type, time: Date(timeIntervalSince1970: Double(timeMs) / 1000), json: data)
    event.tenantid = tenant
    event.partitionkey = key
    event.dataversion = dataversion
    return event
}

func auditData(actor: String = "u1", action: String = "events.produce") -> JSONValue {
    .object([
        "actor": .object(["kind": .string("user"), "id": .string(actor)]), "action": .string(action),
        "resource": .object(["kind": .string("topic"), "id": .string("keel.external")]), "outcome": .string("allowed"),
    ])
}

/// Applies a projector to events purely, in order, folding into expected documents: the
/// reference result runtime tests compare the store with.
func expectedActivity(_ events: [CloudEvent]) -> [String: (count: Int64, first: Int64, last: Int64)] {
    var result: [String: (count: Int64, first: Int64, last: Int64)] = [:]
    for event in events {
        let tenant = event.tenantid ?? ActivityProjector.noTenant
        let time = event.timeMs!
        let id = ActivityProjector.documentID(tenant: tenant, type: event.type, hourStartMs: ActivityProjector.hourStart(time))
        let current = result[id] ?? (0, .max, .min)
        result[id] = (current.count + 1, min(current.first, time), max(current.last, time))
    }
    return result
}

func activitySummary(_ documents: [String: Document]) -> [String: (count: Int64, first: Int64, last: Int64)] {
    documents.mapValues { ($0["count"]?.intValue ?? -1, $0["firstTime"]?.dateValue ?? -1, $0["lastTime"]?.dateValue ?? -1) }
}

func same(_ a: [String: (count: Int64, first: Int64, last: Int64)], _ b: [String: (count: Int64, first: Int64, last: Int64)]) -> Bool {
    a.count == b.count && a.allSatisfy { key, value in b[key].map { $0 == value } ?? false }
}
