import Foundation
import KeelCore
import KeelTestSupport
import Testing

/// The benchmark's report, not its speed: figures are for docs/benchmarks.md, never asserted.
/// Runs are kept to a fraction of a second on one connection: the load generator saturates
/// whatever it is given, and the other suites run beside this one.
@Suite("keel bench ingest", .serialized)
struct BenchIngestCommandTests {
    @Test("reports every target and mode, with the gateway's ratio to the bare endpoint and no failed requests")
    func reportShape() async throws {
        let keel = KeelProcess(log: "embedded:/nonexistent")
        let result = try await keel.run([
            "bench", "ingest", "--seconds", "0.2", "--rounds", "2", "--connections", "1", "--batch-size", "5", "--format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONValue.parse(result.stdout)
        #expect(report["roles"] == .string("gateway"))
        #expect(report["rounds"] == .int(2))
        let rows = report["results"]?.arrayValue ?? []
        let keys = rows.map { "\($0["target"]?.stringValue ?? "?") \($0["mode"]?.stringValue ?? "?")" }
        #expect(keys == ["bare single", "gateway single", "bare batch 5", "gateway batch 5"])
        for row in rows {
            #expect(row["failures"] == .int(0), "\(row)")
            #expect((row["requestsPerSecond"]?.doubleValue ?? 0) > 0, "\(row)")
            let isGateway = row["target"] == .string("gateway")
            #expect((row["ratioToBare"]?.doubleValue != nil) == isGateway, "\(row)")
            #expect((row["met"]?.boolValue != nil) == isGateway, "\(row)")
        }
        // Batches carry their events: five per request.
        if let batch = rows.last, let requests = batch["requestsPerSecond"]?.doubleValue, let events = batch["eventsPerSecond"]?.doubleValue {
            #expect(abs(events - 5 * requests) < 0.001 * events)
        }
    }

    @Test("--roles all runs the projectors beside the gateway")
    func allRoles() async throws {
        let keel = KeelProcess(log: "embedded:/nonexistent")
        let result = try await keel.run([
            "bench", "ingest", "--roles", "all", "--seconds", "0.2", "--rounds", "1", "--connections", "1", "--single-only", "--gateway-only",
            "--format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONValue.parse(result.stdout)
        #expect(report["roles"] == .string("all"))
        let rows = report["results"]?.arrayValue ?? []
        #expect(rows.count == 1)
        #expect(rows.first?["failures"] == .int(0))
        #expect((rows.first?["requestsPerSecond"]?.doubleValue ?? 0) > 0)
    }

    @Test("bad options are usage errors")
    func badOptions() async throws {
        let keel = KeelProcess(log: "embedded:/nonexistent")
        for arguments in [["--rounds", "0"], ["--connections", "0"], ["--seconds", "0"], ["--roles", "everything"]] {
            let result = try await keel.run(["bench", "ingest"] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
        }
    }
}
