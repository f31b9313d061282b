import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelTestSupport
import NIOCore
import Testing

/// Defects found by Scripts/fuzz-api.sh (schemathesis against a live `keel serve`), each driven
/// through the real app.
@Suite("Fuzz findings")
struct FuzzFindingsTests {
    /// An event time whose UTC form left the years 0000…9999 was accepted (202) and written, and
    /// then every reader refused the record (`ce_time` '00-1-12-31T…' or '10000-01-01T…'): each
    /// projection dead-lettered it and parked every later event of its key.
    @Test("an event time outside 0000…9999 in UTC is a 400 naming time, in every mode, and nothing is written")
    func timeOutsideTheLogsYears() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let producer = try await client.createKey(tenant: "acme", roles: ["producer"])
            let outside = [
                "0000-01-01T00:00:00+00:01",  // an offset across the start of year 0000
                "9999-12-31T23:59:59-00:01",  // an offset across the end of year 9999
                "9999-12-31T23:59:59.999999Z",  // a sub-millisecond fraction that rounds into 10000
            ]
            for (index, time) in outside.enumerated() {
                let structured = try await client.post(
                    event: structuredEvent(id: "s\(index)", extra: #","time":"\#(time)""#), token: producer)
                expectProblem(structured, .badRequest, "invalid-event")
                #expect(structured.body.json["field"]?.stringValue == "time", "\(structured.body.text)")

                let binary = try await client.call(
                    .post, "/v1/events", token: producer, contentType: "application/json", body: #"{"n":1}"#,
                    headers: [
                        HTTPField.Name("ce-specversion")!: "1.0", HTTPField.Name("ce-id")!: "b\(index)",
                        HTTPField.Name("ce-source")!: "test", HTTPField.Name("ce-type")!: "com.acme.order.placed",
                        HTTPField.Name("ce-time")!: time,
                    ])
                expectProblem(binary, .badRequest, "invalid-event")
                #expect(binary.body.json["field"]?.stringValue == "time", "\(binary.body.text)")

                let batch = try await client.call(
                    .post, "/v1/events", token: producer, contentType: "application/cloudevents-batch+json",
                    body: "[\(structuredEvent(id: "a\(index)")),\(structuredEvent(id: "c\(index)", extra: #","time":"\#(time)""#))]")
                expectProblem(batch, .badRequest, "invalid-event")
                #expect(batch.body.json["index"]?.intValue == 1, "\(batch.body.text)")
            }
            // The ends themselves are fine.
            for (index, time) in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"].enumerated() {
                let response = try await client.post(event: structuredEvent(id: "ok\(index)", extra: #","time":"\#(time)""#), token: producer)
                #expect(response.status == .accepted, "\(response.body.text)")
            }
        }
        let events = try await harness.events(in: "keel.external")
        #expect(Set(events.map(\.id)) == ["ok0", "ok1"])
        await harness.remove()
    }

    /// The rotate body is closed like every admin body (the document says
    /// `additionalProperties: false`), but an unknown member was ignored and the key rotated (200).
    @Test("rotating a key with an unknown body member is a 400 naming it, and the key keeps its secret")
    func rotateRefusesUnknownMembers() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let token = try await client.createKey(tenant: "acme", roles: ["reader"])
            let keyID = try #require(ApiKeyToken(parsing: token)?.keyId)
            for body in [#"{"graceSeconds":0,"grace":60}"#, #"{"graceSecond":60}"#] {
                let response = try await client.call(.post, "/v1/tenants/acme/keys/\(keyID)/rotate", token: adminKey, body: body)
                expectProblem(response, .badRequest, "invalid-request")
                #expect(response.body.json["field"]?.stringValue?.hasPrefix("grace") == true, "\(response.body.text)")
            }
            #expect(try await client.call(.get, "/v1/audit", token: token).status == .ok)
            // The closed body still admits what the document lists, and no body at all.
            let rotated = try await client.call(.post, "/v1/tenants/acme/keys/\(keyID)/rotate", token: adminKey, body: #"{"graceSeconds":60}"#)
            #expect(rotated.status == .ok, "\(rotated.body.text)")
            let again = try await client.call(.post, "/v1/tenants/acme/keys/\(keyID)/rotate", token: adminKey)
            #expect(again.status == .ok, "\(again.body.text)")
        }
        await harness.remove()
    }

    /// Found next to the event-time finding: a key's expiresAt in 9999 with a negative offset
    /// (UTC year 10000) passed the check, its event was written with an unreadable expiresAt, the
    /// directory ignored it and the request answered 500 "key not applied".
    @Test("an API key's expiresAt outside 0000…9999 in UTC is a 400 naming expiresAt, never a 500")
    func keyExpiryOutsideTheLogsYears() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let response = try await client.call(
                .post, "/v1/tenants/acme/keys", token: adminKey,
                body: #"{"name":"far","roles":["reader"],"expiresAt":"9999-12-31T23:59:59-00:01"}"#)
            expectProblem(response, .badRequest, "invalid-request")
            #expect(response.body.json["field"]?.stringValue == "expiresAt", "\(response.body.text)")
            let edge = try await client.call(
                .post, "/v1/tenants/acme/keys", token: adminKey,
                body: #"{"name":"edge","roles":["reader"],"expiresAt":"9999-12-31T23:59:59.999Z"}"#)
            #expect(edge.status == .created, "\(edge.body.text)")
            let keys = try await client.call(.get, "/v1/tenants/acme/keys", token: adminKey)
            #expect(keys.body.json["keys"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["edge"], "\(keys.body.text)")
        }
        await harness.remove()
    }
}
