import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelLog
import KeelRuntime
import KeelStore
import KeelTestSupport
import Synchronization
import Testing

@Suite("Projection operations API: replays and dead letters in the server")
struct ProjectionOperationsTests {
    @Test("a replay in the server rebuilds the live documents, reports progress until completed, and is one per projection")
    func replay() async throws {
        let harness = try await Harness()
        let held = PromoteGate(inner: harness.store)
        try await harness.withRouter(operationsStore: held) { client in
            try await client.createTenant("acme")
            let producer = try await client.createKey(tenant: "acme", roles: ["producer", "reader"])
            for index in 0..<30 {
                _ = try await client.post(event: structuredEvent(id: "e\(index)", type: "com.acme.t\(index % 3)"), token: producer)
            }
            // Caught up: every record of the projection's topics (audit records of the admin calls
            // included) is in the live documents.
            let activity = try #require(StandardProjections.named("activity", catalog: harness.catalog))
            try await waitUntil { try await ProjectionStatus.read(activity, log: harness.log, store: harness.store).lag == 0 }
            let live = try await documents(harness.store, "activity")
            #expect(live.values.reduce(0) { $0 + ($1["count"]?.intValue ?? 0) } >= 30)

            // Bad input is refused with the field named, and nothing is queued.
            for (body, field) in [
                (#"{"from":"yesterday"}"#, "from"), (#"{"from":"2999-01-01T00:00:00Z"}"#, "from"), (#"{"from":-1}"#, "from"),
                (#"{"to":"soon"}"#, "to"), (#"{"from":"2026-01-02T00:00:00Z","to":"2026-01-01T00:00:00Z"}"#, "to"),
                (#"{"form":"earliest"}"#, "form"),
            ] {
                let refused = try await client.call(.post, "/v1/projections/activity/replays", token: adminKey, body: body)
                expectProblem(refused, .badRequest, "invalid-request")
                #expect(refused.body.json["field"]?.stringValue == field, "\(body): \(refused.body.text)")
            }

            let started = try await client.call(.post, "/v1/projections/activity/replays", token: adminKey, body: #"{"from":"earliest"}"#)
            #expect(started.status == .accepted, "\(started.body.text)")
            let id = try #require(started.body.json["id"]?.stringValue)
            #expect(started.headers[.location] == "/v1/projections/activity/replays/\(id)")
            #expect(started.body.json["state"]?.stringValue == "running")

            // Held before its swap: still running, with its progress visible, and a second replay
            // of the same projection is refused while it runs.
            try await waitUntil { held.waiting }
            let running = try await client.call(.get, "/v1/projections/activity/replays/\(id)", token: adminKey)
            #expect(running.status == .ok, "\(running.body.text)")
            #expect(running.body.json["state"]?.stringValue == "running")
            #expect(running.body.json["phase"]?.stringValue == "promoting")
            #expect((running.body.json["processed"]?.intValue ?? 0) >= 30, "\(running.body.text)")
            let second = try await client.call(.post, "/v1/projections/activity/replays", token: adminKey, body: "{}")
            expectProblem(second, .conflict, "conflict")
            #expect(second.body.json["replayId"]?.stringValue == id)
            #expect(second.headers[.location] == "/v1/projections/activity/replays/\(id)")
            // Another projection is not blocked by it.
            let audit = try await client.call(.post, "/v1/projections/audit/replays", token: adminKey)
            #expect(audit.status == .accepted, "\(audit.body.text)")

            held.release()
            var finished = JSONValue.null
            try await waitUntil {
                finished = try await client.call(.get, "/v1/projections/activity/replays/\(id)", token: adminKey).body.json
                return finished["state"]?.stringValue != "running"
            }
            #expect(finished["state"]?.stringValue == "completed", "\(finished.jsonString)")
            #expect(finished["phase"]?.stringValue == "done")
            #expect(finished["promoted"]?.boolValue == true)
            #expect((finished["processed"]?.intValue ?? 0) >= 30 && finished["lag"]?.intValue == 0)
            #expect(finished["finishedAt"]?.stringValue != nil)
            #expect(try await documents(harness.store, "activity") == live, "the replayed generation must hold exactly the live documents")
            #expect(try await harness.store.generations(of: "activity") == [.live("activity")])

            // Once it ended, the projection may be replayed again; serving went on meanwhile.
            let again = try await client.call(.post, "/v1/projections/activity/replays", token: adminKey, body: #"{"from":0}"#)
            #expect(again.status == .accepted, "\(again.body.text)")
            #expect(again.body.json["from"]?.stringValue == "0")
            #expect(try await client.post(event: structuredEvent(id: "after", type: "com.acme.t0"), token: producer).status == .accepted)

            // Unknown projections and replays.
            expectProblem(try await client.call(.post, "/v1/projections/nope/replays", token: adminKey, body: "{}"), .notFound, "not-found")
            expectProblem(try await client.call(.get, "/v1/projections/nope/replays/\(id)", token: adminKey), .notFound, "not-found")
            expectProblem(try await client.call(.get, "/v1/projections/activity/replays/r0", token: adminKey), .notFound, "not-found")
            expectProblem(try await client.call(.get, "/v1/projections/audit/replays/\(id)", token: adminKey), .notFound, "not-found")
        }
        await harness.remove()
    }

    @Test(
        "projection operations need a platform-level credential: tenant admins and operators get 403; the local operator token works, and only for operating"
    )
    func platformScope() async throws {
        let localToken = LocalOperatorToken.generate()
        let harness = try await Harness { $0.localOperatorToken = localToken }
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let tenantAdmin = try await client.createKey(tenant: "acme", roles: ["admin"])
            let tenantOperator = try await client.createKey(tenant: "acme", roles: ["operator"])
            let reader = try await client.createKey(tenant: "acme", roles: ["reader"])
            let entry = "audit:keel.audit:0:0"
            let calls: [(HTTPRequest.Method, String)] = [
                (.post, "/v1/projections/activity/replays"), (.get, "/v1/projections/activity/replays/r1"),
                (.get, "/v1/projections/audit/deadletters"), (.post, "/v1/projections/audit/deadletters/\(entry)/redrive"),
                (.post, "/v1/projections/audit/deadletters/\(entry)/skip"), (.post, "/v1/projections/audit/deadletters/redrive"),
                (.post, "/v1/projections/nope/replays"),
            ]
            for (method, path) in calls {
                for token in [tenantAdmin, tenantOperator] {
                    let response = try await client.call(method, path, token: token, body: method == .post ? "{}" : nil)
                    expectProblem(response, .forbidden, "forbidden")
                    #expect(response.body.json["detail"]?.stringValue?.contains("platform-level") == true, "\(path): \(response.body.text)")
                }
                // A reader lacks `operate` whatever its scope.
                expectProblem(try await client.call(method, path, token: reader, body: method == .post ? "{}" : nil), .forbidden, "forbidden")
            }
            // The local operator token: a platform-level operator, nothing more.
            let listed = try await client.call(.get, "/v1/projections/audit/deadletters", token: localToken)
            #expect(listed.status == .ok, "\(listed.body.text)")
            #expect(listed.body.json["deadLetters"]?.arrayValue == [])
            expectProblem(
                try await client.call(.post, "/v1/tenants", token: localToken, body: #"{"tenantId":"evil","name":"x"}"#), .forbidden, "forbidden")
            expectProblem(
                try await client.call(.get, "/v1/projections/audit/deadletters", token: LocalOperatorToken.generate()), .unauthorized, "unauthorized")
        }
        await harness.remove()
    }

    @Test("dead letters: list, redrive and skip produce the operator requests the live projector carries out")
    func deadLetters() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            // A poison audit record (no actor) and one of the same key waiting behind it.
            var poison = CloudEvent(id: "poison-1", source: "test", type: "keel.audit.action.recorded", time: Date(), json: ["action": "broken"])
            poison.tenantid = "acme"
            poison.partitionkey = "acme"
            var behind = CloudEvent(
                id: "behind-1", source: "test", type: "keel.audit.action.recorded", time: Date(),
                json: [
                    "actor": ["kind": "user", "id": "u1"], "action": "events.produce",
                    "resource": ["kind": "topic", "id": "keel.external"], "outcome": "allowed",
                ])
            behind.tenantid = "acme"
            behind.partitionkey = "acme"
            _ = try await harness.log.produce([OutgoingRecord(poison), OutgoingRecord(behind)], to: "keel.audit")

            var entries: [JSONValue] = []
            try await waitUntil {
                entries = try await client.call(.get, "/v1/projections/audit/deadletters", token: adminKey).body.json["deadLetters"]?.arrayValue ?? []
                return entries.count == 2
            }
            #expect(entries.map { $0["status"]?.stringValue } == ["poison", "parked"])
            #expect(entries.map { $0["eventId"]?.stringValue } == ["poison-1", "behind-1"])
            #expect(entries.allSatisfy { $0["tenant"]?.stringValue == "acme" })
            let poisonID = try #require(entries[0]["id"]?.stringValue)
            let parkedID = try #require(entries[1]["id"]?.stringValue)

            // Bad ids and a parked entry (only poison entries are skipped).
            let malformed = try await client.call(.post, "/v1/projections/audit/deadletters/nope/redrive", token: adminKey, body: "{}")
            expectProblem(malformed, .badRequest, "invalid-request")
            #expect(malformed.body.json["field"]?.stringValue == "entryId")
            let otherProjection = "activity:" + poisonID.dropFirst("audit:".count)
            expectProblem(
                try await client.call(.post, "/v1/projections/audit/deadletters/\(otherProjection)/redrive", token: adminKey, body: "{}"),
                .badRequest, "invalid-request")
            expectProblem(
                try await client.call(.post, "/v1/projections/audit/deadletters/audit:keel.audit:0:999999/redrive", token: adminKey, body: "{}"),
                .notFound, "not-found")
            expectProblem(
                try await client.call(.post, "/v1/projections/audit/deadletters/\(parkedID)/skip", token: adminKey, body: "{}"), .conflict, "conflict"
            )
            let badReason = try await client.call(
                .post, "/v1/projections/audit/deadletters/\(poisonID)/skip", token: adminKey, body: #"{"reason":42}"#)
            expectProblem(badReason, .badRequest, "invalid-request")
            #expect(badReason.body.json["field"]?.stringValue == "reason")

            // Redrive: the request is on keel.deadletter, as `keel dlq redrive` writes it; the
            // event fails again, so the key stays blocked.
            let redriven = try await client.call(.post, "/v1/projections/audit/deadletters/\(poisonID)/redrive", token: adminKey, body: "{}")
            #expect(redriven.status == .accepted, "\(redriven.body.text)")
            #expect(redriven.body.json["request"]?["topic"]?.stringValue == DeadLetterEvents.topic)
            let all = try await client.call(.post, "/v1/projections/audit/deadletters/redrive", token: adminKey)
            #expect(all.status == .accepted, "\(all.body.text)")
            let requests = try await harness.events(in: DeadLetterEvents.topic).filter { $0.type == DeadLetterEvents.redriveRequested }
            #expect(requests.map { $0.jsonData?["entry"]?.stringValue } == [poisonID, nil])
            #expect(requests.map { $0.jsonData?["all"]?.boolValue } == [nil, true])
            #expect(
                requests.allSatisfy { $0.jsonData?["projection"]?.stringValue == "audit" && $0.jsonData?["by"]?.stringValue == "admin:bootstrap" })

            // Skip: the poison entry is dropped and what waited behind it is applied.
            let skipped = try await client.call(
                .post, "/v1/projections/audit/deadletters/\(poisonID)/skip", token: adminKey, body: #"{"reason":"broken by a test"}"#)
            #expect(skipped.status == .accepted, "\(skipped.body.text)")
            try await waitUntil {
                try await client.call(.get, "/v1/projections/audit/deadletters", token: adminKey).body.json["deadLetters"]?.arrayValue == []
            }
            #expect(try await harness.store.find(.live("audit"), collection: "audit", id: "behind-1") != nil)
            let outcome = try await harness.events(in: DeadLetterEvents.topic).first { $0.type == DeadLetterEvents.skipped }
            #expect(outcome?.jsonData?["reason"]?.stringValue == "broken by a test")
            expectProblem(
                try await client.call(.post, "/v1/projections/audit/deadletters/\(poisonID)/redrive", token: adminKey, body: "{}"), .notFound,
                "not-found")
        }
        await harness.remove()
    }

    /// Every document of a live collection, by id.
    func documents(_ store: any ProjectionStore, _ collection: String) async throws -> [String: Document] {
        var result: [String: Document] = [:]
        var cursor: String?
        repeat {
            let page = try await store.query(DocumentQuery(target: .live(collection), collection: collection, limit: 1000, after: cursor))
            for document in page.documents { result[document["_id"]?.stringValue ?? ""] = document }
            cursor = page.nextCursor
        } while cursor != nil
        return result
    }
}

/// The store the operator API's replays use, holding every promote until `release()`: a replay
/// then stays running at a known step, whatever the machine's speed.
final class PromoteGate: ForwardingStore, Sendable {
    let inner: any ProjectionStore
    private let state = Mutex((waiting: false, released: false))

    init(inner: any ProjectionStore) { self.inner = inner }

    var waiting: Bool { state.withLock { $0.waiting } }

    func release() { state.withLock { $0.released = true } }

    func promote(_ shadow: CollectionSet, collections: [String]) async throws {
        state.withLock { $0.waiting = true }
        while !state.withLock({ $0.released }) { try await Task.sleep(for: .milliseconds(10)) }
        try await inner.promote(shadow, collections: collections)
    }
}
