import Foundation
import KeelCore
import KeelStore
import Testing

extension ProjectionStoreConformance {
    @Test("metrics count/sum/avg/min/max with exact types, grouped by fields", arguments: StoreUnderTest.allCases)
    func metrics(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            try await p.apply([
                p.upsert(
                    "1", DocumentUpdate(set: ["tenant": .string("a"), "n": .int(1), "cost": dec("0.1"), "lat": .double(1.5), "tag": .string("y")])),
                p.upsert(
                    "2", DocumentUpdate(set: ["tenant": .string("a"), "n": .int(2), "cost": dec("0.2"), "lat": .double(2.5), "tag": .string("x")])),
                p.upsert("3", DocumentUpdate(set: ["tenant": .string("b"), "n": .int(5), "cost": dec("0.3"), "tag": .string("z")])),
                p.upsert("4", DocumentUpdate(set: ["tenant": .string("c"), "n": .int(5)])),
            ])
            let rows = try await p.aggregate(
                groupBy: ["tenant"], filter: [FieldFilter("tenant", .notEquals(.string("c")))],
                metrics: [
                    Metric("count", .count), Metric("sumN", .sum, field: "n"), Metric("avgN", .avg, field: "n"),
                    Metric("sumCost", .sum, field: "cost"), Metric("avgCost", .avg, field: "cost"),
                    Metric("minN", .min, field: "n"), Metric("maxN", .max, field: "n"),
                    Metric("minTag", .min, field: "tag"), Metric("maxTag", .max, field: "tag"),
                    Metric("sumLat", .sum, field: "lat"), Metric("avgLat", .avg, field: "lat"), Metric("minLat", .min, field: "lat"),
                ])
            try #require(rows.count == 2)
            #expect(rows[0].group == ["tenant": .string("a")])
            #expect(rows[0].bucketStart == nil)
            #expect(
                rows[0].values == [
                    "count": .int(2), "sumN": .int(3), "avgN": .double(1.5), "sumCost": dec("0.3"), "avgCost": dec("0.15"),
                    "minN": .int(1), "maxN": .int(2), "minTag": .string("x"), "maxTag": .string("y"),
                    "sumLat": .double(4), "avgLat": .double(2), "minLat": .double(1.5),
                ])
            #expect(rows[1].group == ["tenant": .string("b")])
            #expect(
                rows[1].values == [
                    "count": .int(1), "sumN": .int(5), "avgN": .double(5), "sumCost": dec("0.3"), "avgCost": dec("0.3"),
                    "minN": .int(5), "maxN": .int(5), "minTag": .string("z"), "maxTag": .string("z"),
                    "sumLat": .int(0), "avgLat": .null, "minLat": .null,
                ])
            let total = try await p.aggregate(metrics: [Metric("count", .count), Metric("sum", .sum, field: "n")])
            #expect(total == [AggregationRow(group: [:], bucketStart: nil, values: ["count": .int(4), "sum": .int(13)])])
        }
    }

    @Test("time buckets: day/month/hour in Europe/Berlin across DST changes, UTC, and a half-hour zone", arguments: StoreUnderTest.allCases)
    func timeBuckets(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            let instants = [
                "2024-03-30T22:30:00Z",  // 23:30 CET, 30 March in Berlin
                "2024-03-30T23:30:00Z",  // 00:30 CET, 31 March (the spring-forward day)
                "2024-03-31T21:30:00Z",  // 23:30 CEST, 31 March
                "2024-03-31T22:30:00Z",  // 00:30 CEST, 1 April
                "2024-10-27T00:30:00Z",  // 02:30 CEST (first pass of the repeated hour)
                "2024-10-27T01:30:00Z",  // 02:30 CET (second pass)
            ]
            var changes: [DocumentChange] = []
            for (index, instant) in instants.enumerated() {
                changes.append(
                    p.upsert("e\(index)", DocumentUpdate(set: ["at": .date(ms(instant)), "kind": .string(index < 4 ? "spring" : "autumn")])))
            }
            changes.append(p.upsert("nodate", DocumentUpdate(set: ["kind": .string("spring")])))
            try await p.apply(changes)
            func buckets(_ unit: TimeBucket.Unit, _ zone: String, kind: String) async throws -> [Int64: Int64] {
                let rows = try await p.aggregate(
                    bucket: TimeBucket(field: "at", unit: unit, timeZone: zone), filter: [FieldFilter("kind", .equals(.string(kind)))],
                    metrics: [Metric("n", .count)])
                #expect(rows.map { $0.bucketStart ?? 0 } == rows.map { $0.bucketStart ?? 0 }.sorted(), "rows sorted by bucket")
                return Dictionary(uniqueKeysWithValues: rows.map { ($0.bucketStart ?? -1, $0.values["n"]?.intValue ?? -1) })
            }
            #expect(
                try await buckets(.day, "Europe/Berlin", kind: "spring") == [
                    ms("2024-03-29T23:00:00Z"): 1, ms("2024-03-30T23:00:00Z"): 2, ms("2024-03-31T22:00:00Z"): 1,
                ])
            #expect(try await buckets(.day, "UTC", kind: "spring") == [ms("2024-03-30T00:00:00Z"): 2, ms("2024-03-31T00:00:00Z"): 2])
            #expect(try await buckets(.month, "Europe/Berlin", kind: "spring") == [ms("2024-02-29T23:00:00Z"): 3, ms("2024-03-31T22:00:00Z"): 1])
            #expect(try await buckets(.month, "UTC", kind: "spring") == [ms("2024-03-01T00:00:00Z"): 4])
            #expect(try await buckets(.hour, "Europe/Berlin", kind: "autumn") == [ms("2024-10-27T00:00:00Z"): 1, ms("2024-10-27T01:00:00Z"): 1])
            #expect(try await buckets(.day, "Europe/Berlin", kind: "autumn") == [ms("2024-10-26T22:00:00Z"): 2])
            #expect(try await buckets(.hour, "Asia/Kolkata", kind: "autumn") == [ms("2024-10-27T00:30:00Z"): 1, ms("2024-10-27T01:30:00Z"): 1])
            let grouped = try await p.aggregate(
                groupBy: ["kind"], bucket: TimeBucket(field: "at", unit: .month, timeZone: "UTC"), metrics: [Metric("n", .count)])
            #expect(
                grouped.map { [$0.group["kind"]?.stringValue ?? "?", "\($0.bucketStart ?? 0)"] } == [
                    ["spring", "\(ms("2024-03-01T00:00:00Z"))"], ["autumn", "\(ms("2024-10-01T00:00:00Z"))"],
                ])
            let error = await #expect(throws: StoreError.self) {
                _ = try await p.aggregate(bucket: TimeBucket(field: "at", unit: .day, timeZone: "Mars/Olympus_Mons"), metrics: [Metric("n", .count)])
            }
            #expect(error?.code == .invalidRequest)
        }
    }
}
