import AsyncHTTPClient
import Foundation
import KeelCore
import NIOCore
import NIOHTTP1

/// The CLI's side of the operator API, spoken to the `keel serve` found in an embedded directory
/// (`LocalServer`) with its local operator token. Problems the server answers become
/// `CLIFailure`s carrying the problem's `detail`: 4xx are usage errors (exit 2), the rest runtime
/// failures (exit 1).
struct LocalServerClient: Sendable {
    let server: LocalServer

    /// `POST /v1/projections/{name}/replays`; the replay's status (its `id` names it).
    func startReplay(_ projection: String, from: String, to: String?) async throws -> JSONValue {
        var body: [String: JSONValue] = ["from": .string(from)]
        if let to { body["to"] = .string(to) }
        return try await call(.POST, "/v1/projections/\(Self.segment(projection))/replays", body: .object(body))
    }

    /// `GET /v1/projections/{name}/replays/{id}`.
    func replay(_ projection: String, id: String) async throws -> JSONValue {
        try await call(.GET, "/v1/projections/\(Self.segment(projection))/replays/\(Self.segment(id))")
    }

    /// `GET /v1/projections/{name}/deadletters`: the entries, in the shape of `DeadLetterEntry.json`.
    func deadLetters(_ projection: String) async throws -> [JSONValue] {
        try await call(.GET, "/v1/projections/\(Self.segment(projection))/deadletters")["deadLetters"]?.arrayValue ?? []
    }

    /// `POST …/deadletters/{entryId}/redrive`, or `…/deadletters/redrive` for every blocked key.
    func redrive(_ projection: String, entry: String?) async throws {
        let path = "/v1/projections/\(Self.segment(projection))/deadletters/" + (entry.map { "\(Self.segment($0))/redrive" } ?? "redrive")
        _ = try await call(.POST, path, body: .object([:]))
    }

    /// `POST …/deadletters/{entryId}/skip`.
    func skip(_ projection: String, entry: String, reason: String?) async throws {
        _ = try await call(
            .POST, "/v1/projections/\(Self.segment(projection))/deadletters/\(Self.segment(entry))/skip",
            body: .object(reason.map { ["reason": .string($0)] } ?? [:]))
    }

    /// Any call of the server's API as the local operator, acting in `tenant` when given.
    func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, tenant: String? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: server.url + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(server.token)")
        if let tenant { request.headers.add(name: "X-Keel-Tenant", value: tenant) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.serialized()))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw CLIFailure.runtime(
                "the keel serve at \(server.url) (pid \(server.pid)) holds this embedded directory but did not answer: \(error)")
        }
        let json = (try? JSONValue.parse(Array(bytes.readableBytesView))) ?? .string(String(buffer: bytes))
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let detail = json["detail"]?.stringValue ?? json.jsonString
            let message = "the server at \(server.url) refused \(method.rawValue) \(path): \(detail)"
            throw (400..<500).contains(status) ? CLIFailure.usage(message) : CLIFailure.runtime(message)
        }
        return json
    }

    /// A path segment: ids hold `:` and `.`, which paths allow; anything else is percent-encoded.
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
