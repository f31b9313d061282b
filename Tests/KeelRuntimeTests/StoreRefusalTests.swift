import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore
import Testing

/// A projector that counts events per key, except that an event whose data says `"bad": true`
/// asks the store to add a string to the counter — a change the store refuses (`.invalidRequest`).
private struct TallyProjector: Projector {
    let name = "tally"
    let topics = ["keel.audit"]
    let collections = ["tally"]
    let version = 1

    func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange] {
        let bad = event.event.jsonData?["bad"] == .bool(true)
        let amount: DocumentValue = bad ? .string("not a number") : .int(1)
        return [DocumentChange(collection: "tally", id: event.key ?? "none", operation: .upsert(DocumentUpdate(inc: ["n": amount])))]
    }
}

@Suite("Dead letters: changes the store refuses", .serialized)
struct StoreRefusalTests {
    @Test(
        "an event whose changes the store refuses is dead-lettered; its key waits, other keys and the rest of the batch flow", .timeLimit(.minutes(2))
    )
    func refusedChangeIsIsolated() async throws {
        let env = try await Environment(topics: ["keel.audit", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        func tally(_ key: String, id: String, bad: Bool = false) -> CloudEvent {
            var data = auditData()
            if bad, case .object(var object) = data {
                object["bad"] = .bool(true)
                data = .object(object)
            }
            return event("keel.audit.action.recorded", tenant: "t1", key: key, data: data, id: id)
        }
        // One batch: the refused event sits between good ones of its own key and of others.
        try await env.produce(
            [
                tally("a", id: "1"), tally("b", id: "2"), tally("a", id: "3", bad: true),
                tally("b", id: "4"), tally("a", id: "5"), tally("c", id: "6"),
            ], to: "keel.audit")
        try await env.runUntilCaughtUp(TallyProjector())

        let documents = try await env.documents("tally", in: .live("tally"))
        #expect(documents["a"]?["n"] == .int(1), "only the event before the refused one counts for its key")
        #expect(documents["b"]?["n"] == .int(2))
        #expect(documents["c"]?["n"] == .int(1))
        let entries = try await env.store.deadLetters(.live("tally"))
        #expect(entries.map(\.eventID) == ["3", "5"])
        #expect(entries.map(\.status) == [.poison, .parked])
        #expect(entries.first?.error?.code == "store-refused")
        // The checkpoint moved past the whole batch: the projector is not stuck on it.
        let checkpoint = try await env.store.checkpoint(.live("tally"))
        let audit = checkpoint?.positions.filter { $0.key.topic == "keel.audit" }.values.reduce(0, +)
        #expect(audit == 6)
    }
}
