import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import Logging

/// What happened to one ingested event.
public struct IngestResult: Sendable, Hashable {
    public var id: String
    public var source: String
    public var type: String
    public var coordinates: RecordCoordinates
    /// Accepted before within the dedupe window: not appended again; these are the original coordinates.
    public var duplicate: Bool

    /// The same object as `json`, serialized directly (keys in the same sorted order): this is
    /// the body of every single-event 202.
    public func appendJSON(to output: inout [UInt8]) {
        output.append(contentsOf: #"{"duplicate":"#.utf8)
        output.append(contentsOf: (duplicate ? "true" : "false").utf8)
        output.append(contentsOf: #","id":"#.utf8)
        JSONValue.appendString(id, to: &output)
        output.append(contentsOf: #","offset":"#.utf8)
        output.append(contentsOf: String(coordinates.offset).utf8)
        output.append(contentsOf: #","partition":"#.utf8)
        output.append(contentsOf: String(coordinates.partition).utf8)
        output.append(contentsOf: #","source":"#.utf8)
        JSONValue.appendString(source, to: &output)
        output.append(contentsOf: #","topic":"#.utf8)
        JSONValue.appendString(coordinates.topic, to: &output)
        output.append(contentsOf: #","type":"#.utf8)
        JSONValue.appendString(type, to: &output)
        output.append(UInt8(ascii: "}"))
    }

    /// `{"accepted":…,"duplicates":…,"events":[…]}`, the body of a batch 202, serialized directly:
    /// the same bytes as the object form, without building a hundred JSON objects to sort and print.
    public static func appendBatchJSON(_ results: [IngestResult], to output: inout [UInt8]) {
        let duplicates = results.reduce(0) { $0 + ($1.duplicate ? 1 : 0) }
        output.append(contentsOf: #"{"accepted":"#.utf8)
        output.append(contentsOf: String(results.count - duplicates).utf8)
        output.append(contentsOf: #","duplicates":"#.utf8)
        output.append(contentsOf: String(duplicates).utf8)
        output.append(contentsOf: #","events":["#.utf8)
        for (index, result) in results.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            result.appendJSON(to: &output)
        }
        output.append(contentsOf: "]}".utf8)
    }

    public var json: JSONValue {
        .object([
            "id": .string(id), "source": .string(source), "type": .string(type), "topic": .string(coordinates.topic),
            "partition": .int(Int64(coordinates.partition)), "offset": .int(coordinates.offset),
            "duplicate": .bool(duplicate),
        ])
    }
}

/// Validates, stamps, deduplicates and produces ingested events: the gateway's write path.
///
/// All-or-nothing: every event of a request is checked (permission, tenant, catalog, schema)
/// before anything is produced; one bad event refuses the whole request. Events are produced to
/// their home topic (the catalog's, else the open ingest topic) with the caller's tenant stamped
/// in `tenantid`. The types of topics whose catalog `writer` is `keel` (every topic but the open
/// ingest topic: tenants, keys, audit, dead letters, workflow runs, timers, usage, …) are refused,
/// so a producer can never forge what Keel's roles decide.
public struct IngestService: Sendable {
    let log: any EventLog
    let catalog: TopicCatalog
    let dedupe: DedupeIndex
    let metrics: GatewayMetrics
    let logger: Logger

    public init(log: any EventLog, catalog: TopicCatalog, dedupe: DedupeIndex, metrics: GatewayMetrics, logger: Logger) {
        self.log = log
        self.catalog = catalog
        self.dedupe = dedupe
        self.metrics = metrics
        self.logger = logger
    }

    /// Checks every event and returns them prepared for their topics, or the first problem.
    func prepare(_ events: [CloudEvent], principal: Principal, tenant: String, batch: Bool) throws(Problem) -> [(topic: String, event: CloudEvent)] {
        var prepared: [(topic: String, event: CloudEvent)] = []
        prepared.reserveCapacity(events.count)
        var seen: [DedupeIndex.Key: Int] = [:]
        for (index, original) in events.enumerated() {
            let position = batch ? index : nil
            var event = original
            guard principal.allows(type: event.type) else {
                var problem = Problem(
                    .typeNotAllowed,
                    "this credential may not produce '\(event.type)' (allowed: \((principal.allowedTypes ?? []).joined(separator: ", ")))")
                if let position { problem.extensions["index"] = .int(Int64(position)) }
                throw problem
            }
            if let stamped = event.tenantid, stamped != tenant {
                var problem = Problem.forbidden("event tenantid '\(stamped)' is not the caller's tenant '\(tenant)'")
                if let position { problem.extensions["index"] = .int(Int64(position)) }
                throw problem
            }
            event.tenantid = tenant
            // The log writes `time` in UTC with milliseconds, years 0000 to 9999. A time whose UTC
            // form falls outside them (an offset across either end, or a fraction rounding up into
            // the year 10000) would be written but refused by every reader: a poison event that
            // parks its key in every projection. It is refused here instead.
            if let time = event.time, RFC3339.parse(RFC3339.format(time)) == nil {
                throw Problem.invalidEvent(
                    EventValidationError(field: "time", reason: "must lie within 0000-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z in UTC"),
                    index: position)
            }
            let home = catalog.homeTopic(forType: event.type)
            let topic = home?.name ?? catalog.ingestTopicName
            if let home, home.writer != .any {
                var problem = Problem.forbidden(
                    "'\(event.type)' belongs to topic '\(home.name)', which only Keel writes (its writer is '\(home.writer.rawValue)'); it cannot be ingested"
                )
                if let position { problem.extensions["index"] = .int(Int64(position)) }
                throw problem
            }
            do {
                event = try catalog.prepare(event, forTopic: topic)
            } catch {
                throw Problem.invalidEvent(error, index: position)
            }
            let key = DedupeIndex.Key(tenant: tenant, source: event.source, id: event.id)
            if let earlier = seen[key] {
                throw Problem(
                    .invalidEvent, "events \(earlier) and \(index) of the batch have the same source and id",
                    extensions: ["field": .string("id"), "index": .int(Int64(index))])
            }
            seen[key] = index
            prepared.append((topic, event))
        }
        return prepared
    }

    /// Ingests `events` for `tenant`: validates all, then produces those not seen before.
    public func ingest(_ events: [CloudEvent], principal: Principal, tenant: String, batch: Bool) async throws(Problem) -> [IngestResult] {
        let prepared: [(topic: String, event: CloudEvent)]
        do {
            prepared = try prepare(events, principal: principal, tenant: tenant, batch: batch)
        } catch {
            metrics.eventsRejected(events.count)
            throw error
        }
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let keys = prepared.map { DedupeIndex.Key(tenant: tenant, source: $0.event.source, id: $0.event.id) }
        let claims: [DedupeIndex.Claim]
        do {
            claims = try await dedupe.claim(keys, nowMs: nowMs)
        } catch {
            logger.warning("dedupe lookup failed: \(error)")
            throw Problem(.unavailable, "the projection store is unavailable; nothing was produced, retry")
        }
        var results = [IngestResult?](repeating: nil, count: prepared.count)
        var byTopic: [String: [Int]] = [:]
        for (index, claim) in claims.enumerated() {
            switch claim {
            case .duplicate(let coordinates):
                let event = prepared[index].event
                results[index] = IngestResult(id: event.id, source: event.source, type: event.type, coordinates: coordinates, duplicate: true)
            case .claimed:
                byTopic[prepared[index].topic, default: []].append(index)
            }
        }
        let started = ContinuousClock().now
        func accept(_ produced: [(Int, RecordCoordinates)]) {
            for (index, coordinates) in produced {
                let event = prepared[index].event
                dedupe.complete(keys[index], at: coordinates, acceptedAtMs: nowMs)
                results[index] = IngestResult(id: event.id, source: event.source, type: event.type, coordinates: coordinates, duplicate: false)
            }
        }
        do {
            if byTopic.count == 1, let (topic, indices) = byTopic.first {
                // The common case (one event, or a batch for one topic) needs no child task.
                accept(try await produce(indices, of: prepared, to: topic))
            } else if !byTopic.isEmpty {
                try await withThrowingTaskGroup(of: [(Int, RecordCoordinates)].self) { group in
                    for (topic, indices) in byTopic {
                        group.addTask { try await produce(indices, of: prepared, to: topic) }
                    }
                    for try await produced in group { accept(produced) }
                }
            }
        } catch {
            for (index, result) in results.enumerated() where result == nil { dedupe.abandon(keys[index]) }
            logger.warning("produce failed: \(error)")
            metrics.eventsRejected(results.filter { $0 == nil }.count)
            throw Problem(
                .unavailable, "the log did not acknowledge the events (\(error)); events without coordinates were not accepted, retry them",
                extensions: ["accepted": .array(results.compactMap { $0?.json })])
        }
        if !byTopic.isEmpty { metrics.observeProduce(started.duration(to: ContinuousClock().now)) }
        let final = results.map { $0! }
        let duplicates = final.filter(\.duplicate).count
        metrics.eventsAccepted(final.count - duplicates)
        metrics.eventsDeduplicated(duplicates)
        return final
    }

    private func produce(_ indices: [Int], of prepared: [(topic: String, event: CloudEvent)], to topic: String) async throws -> [(
        Int, RecordCoordinates
    )] {
        let records = indices.map { OutgoingRecord(prepared[$0].event) }
        let coordinates = try await log.produce(records, to: topic)
        return Array(zip(indices, coordinates))
    }
}
