import AsyncHTTPClient
import Foundation
import KeelCore
import KeelWorkflow
import NIOCore
import NIOHTTP1

/// `http`: one request per attempt, with `Idempotency-Key: <run>/<step>/<attempt>` so a repeated
/// attempt (after a crash) can be recognised by the target.
///
/// Fields: `method` (GET), `url` — or `service` and `path`, resolved through `services`
/// (`api-gateway` is Keel's own API, called as the run's tenant) — `headers`, `query`, `body`
/// (JSON), `expect` (statuses that count as success; default 2xx). The output is
/// `{status, headers, body}` with a JSON body parsed. Failures: `http-<status>` (retryable for 408,
/// 429 and 5xx), `timeout`, `connect` (retryable), `outbound` (refused by the policy).
public struct HTTPStep: StepRunner {
    public let kind = "http"
    let client: HTTPClient
    let policy: OutboundPolicy
    let services: [String: ServiceTarget]
    let maximumResponseBytes: Int

    public init(
        client: HTTPClient, policy: OutboundPolicy = OutboundPolicy(), services: [String: ServiceTarget] = [:], maximumResponseBytes: Int = 4 << 20
    ) {
        self.client = client
        self.policy = policy
        self.services = services
        self.maximumResponseBytes = maximumResponseBytes
    }

    public func run(_ attempt: StepAttempt) async throws(StepFailure) -> JSONValue {
        let fields = attempt.fields
        let (url, extraHeaders) = try resolveURL(fields)
        if let refusal = policy.refusal(for: url) {
            throw StepFailure(code: "outbound", message: "\(url.absoluteString): \(refusal)", retryable: false)
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: (fields["method"]?.stringValue ?? "GET").uppercased())
        request.headers.add(name: "Idempotency-Key", value: attempt.idempotencyKey)
        request.headers.add(name: "User-Agent", value: "keel-executor")
        for (name, value) in extraHeaders { request.headers.replaceOrAdd(name: name, value: value) }
        if case .object(let headers)? = fields["headers"] {
            for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value.stringValue ?? value.jsonString) }
        }
        if let body = fields["body"], !body.isNull {
            let bytes: [UInt8] = body.stringValue.map { Array($0.utf8) } ?? body.serialized()
            if body.stringValue == nil, !request.headers.contains(name: "Content-Type") {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        let timeout = TimeAmount.milliseconds(attempt.timeoutMs ?? 30_000)
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            body = try await response.body.collect(upTo: maximumResponseBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw StepFailure(
                code: "timeout", message: "\(url.absoluteString): no answer within \(timeout.nanoseconds / 1_000_000) ms", retryable: true)
        } catch is CancellationError {
            throw StepFailure(code: "cancelled", message: "the attempt was cancelled", retryable: false)
        } catch {
            throw StepFailure(code: "connect", message: "\(url.absoluteString): \(error)", retryable: true)
        }
        let status = Int(response.status.code)
        let bytes = Array(body.readableBytesView)
        let parsed: JSONValue = (try? JSONValue.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
        let expected = fields["expect"]?.arrayValue?.compactMap(\.intValue).map(Int.init)
        let ok = expected.map { $0.contains(status) } ?? (200..<300).contains(status)
        guard ok else {
            let retryable = status == 408 || status == 429 || status >= 500
            let excerpt = String(decoding: bytes.prefix(300), as: UTF8.self)
            throw StepFailure(
                code: "http-\(status)", message: "\(request.method.rawValue) \(url.absoluteString) answered \(status): \(excerpt)",
                retryable: retryable)
        }
        var headers: [String: JSONValue] = [:]
        for (name, value) in response.headers { headers[name.lowercased()] = .string(value) }
        return .object(["status": .int(Int64(status)), "headers": .object(headers), "body": parsed])
    }

    func resolveURL(_ fields: JSONValue) throws(StepFailure) -> (URL, [(String, String)]) {
        var text: String
        var headers: [(String, String)] = []
        if let url = fields["url"]?.stringValue {
            text = url
        } else if let name = fields["service"]?.stringValue {
            guard let service = services[name] else {
                throw StepFailure(code: "service", message: "no service target named '\(name)' is configured", retryable: false)
            }
            let path = fields["path"]?.stringValue ?? ""
            text = service.baseURL.hasSuffix("/") || path.hasPrefix("/") ? service.baseURL + path : service.baseURL + "/" + path
            headers = service.headers
        } else {
            throw StepFailure(code: "http", message: "an http step needs url, or service and path", retryable: false)
        }
        if case .object(let query)? = fields["query"], !query.isEmpty, var components = URLComponents(string: text) {
            var items = components.queryItems ?? []
            for key in query.keys.sorted() { items.append(URLQueryItem(name: key, value: query[key]?.stringValue ?? query[key]?.jsonString)) }
            components.queryItems = items
            text = components.string ?? text
        }
        guard let url = URL(string: text) else { throw StepFailure(code: "http", message: "'\(text)' is not a URL", retryable: false) }
        return (url, headers)
    }
}

/// A named target `http` steps (and Linq `target`s) call: a base URL and the headers (credentials)
/// to send. Credentials come from the secret store, never from an event.
public struct ServiceTarget: Sendable, Hashable {
    public var baseURL: String
    public var headers: [(String, String)] { headerPairs.map { ($0.name, $0.value) } }
    var headerPairs: [Header]

    struct Header: Sendable, Hashable {
        var name: String
        var value: String
    }

    public init(baseURL: String, headers: [String: String] = [:]) {
        self.baseURL = baseURL
        self.headerPairs = headers.keys.sorted().map { Header(name: $0, value: headers[$0]!) }
    }
}
