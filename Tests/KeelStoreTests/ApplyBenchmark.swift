import Foundation
import KeelCore
import KeelStore
import KeelStoreEmbedded
import KeelTestSupport
import Testing

/// A throwaway throughput measurement of `apply` on an `activity`-shaped workload (per tenant ×
/// type × hour counters: `setOnInsert` + `inc` + `max` + `min` upserts). Runs only with
/// `KEEL_STORE_BENCH=1` (meant for a release build:
/// `KEEL_STORE_BENCH=1 swift test -c release --filter ApplyBenchmark`).
@Suite("ApplyBenchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["KEEL_STORE_BENCH"] == "1"))
struct ApplyBenchmark {
    @Test("activity-shaped apply throughput", arguments: [false, true])
    func activity(merged: Bool) async throws {
        let events = Int(ProcessInfo.processInfo.environment["KEEL_STORE_BENCH_EVENTS"] ?? "") ?? 1_000_000
        let batchSize = Int(ProcessInfo.processInfo.environment["KEEL_STORE_BENCH_BATCH"] ?? "") ?? 5_000
        let directory = try TemporaryDirectory(prefix: "keel-store-bench")
        defer { directory.remove() }
        let store = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        let target = CollectionSet.live("activity")
        let start0 = Int64(1_767_225_600_000)  // 2026-01-01
        var generateTime = 0.0
        var applyTime = 0.0
        var offset: Int64 = 0
        while offset < events {
            let t0 = Date()
            var changes: [DocumentChange] = []
            changes.reserveCapacity(batchSize)
            for i in offset..<min(offset + Int64(batchSize), Int64(events)) {
                let instant = start0 + i * 360  // 10,000 events per hour
                let hour = instant - instant % 3_600_000
                let tenant = "tenant-\(i % 10)"
                let type = "keel.type.\((i / 10) % 20)"
                changes.append(
                    DocumentChange(
                        collection: "activity", id: "\(tenant)|\(type)|\(hour)",
                        operation: .upsert(
                            DocumentUpdate(
                                setOnInsert: ["tenant": .string(tenant), "type": .string(type), "hour": .date(hour)],
                                inc: ["count": .int(1)], max: ["lastTime": .date(instant)], min: ["firstTime": .date(instant)]))))
            }
            if merged { changes = merge(changes) }
            let t1 = Date()
            offset += Int64(batchSize)
            let outcome = try await store.apply(
                ProjectionBatch(target: target, changes: changes, checkpoint: ProjectionCheckpoint(positions: [LogPosition("events", 0): offset])))
            #expect(outcome == .applied)
            let t2 = Date()
            generateTime += t1.timeIntervalSince(t0)
            applyTime += t2.timeIntervalSince(t1)
        }
        let rows = try await store.aggregate(
            Aggregation(target: target, collection: "activity", metrics: [Metric("n", .sum, field: "count"), Metric("docs", .count)]))
        #expect(rows.first?.values["n"] == .int(Int64(events)))
        print(
            "BENCH merged=\(merged) events=\(events) batch=\(batchSize) docs=\(rows.first?.values["docs"] ?? .null) apply=\(String(format: "%.2f", applyTime))s → \(Int(Double(events) / applyTime)) events/s (generation \(String(format: "%.2f", generateTime))s)"
        )
        try await store.shutdown()
    }

    /// What the runtime does: one change per document per batch (inc summed, max/min folded).
    private func merge(_ changes: [DocumentChange]) -> [DocumentChange] {
        var order: [String] = []
        var merged: [String: DocumentUpdate] = [:]
        for change in changes {
            guard case .upsert(let update) = change.operation else { continue }
            if var current = merged[change.id] {
                current.inc["count"] = .int((current.inc["count"]?.intValue ?? 0) + (update.inc["count"]?.intValue ?? 0))
                if let value = update.max["lastTime"], DocumentValue.compare(value, current.max["lastTime"] ?? .null) > 0 {
                    current.max["lastTime"] = value
                }
                if let value = update.min["firstTime"], DocumentValue.compare(value, current.min["firstTime"] ?? value) <= 0 {
                    current.min["firstTime"] = value
                }
                merged[change.id] = current
            } else {
                order.append(change.id)
                merged[change.id] = update
            }
        }
        return order.map { DocumentChange(collection: "activity", id: $0, operation: .upsert(merged[$0]!)) }
    }
}
