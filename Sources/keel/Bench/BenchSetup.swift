import AsyncHTTPClient
import Foundation
import KeelCore
import NIOCore

/// What the HTTP benchmarks share: the tenant and key they act as, and how they summarise latencies.
enum BenchSetup {
    /// Creates the tenant `bench` and a key of it with `roles` through the gateway at `port`; the key's secret.
    static func key(client: HTTPClient, port: Int, adminKey: String, roles: [String]) async throws -> String {
        func post(_ path: String, _ body: String) async throws -> (UInt, String) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await client.execute(request, timeout: .seconds(30))
            return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        let (tenantStatus, tenantBody) = try await post("/v1/tenants", #"{"tenantId":"bench","name":"Bench"}"#)
        guard tenantStatus == 201 else { throw CLIFailure.runtime("creating the bench tenant: \(tenantStatus) \(tenantBody)") }
        let rolesJSON = roles.map { "\"\($0)\"" }.joined(separator: ",")
        let (status, body) = try await post("/v1/tenants/bench/keys", #"{"name":"bench","roles":[\#(rolesJSON)]}"#)
        guard status == 201, let secret = (try? JSONValue.parse(Array(body.utf8)))?["secret"]?.stringValue else {
            throw CLIFailure.runtime("creating the bench key: \(status) \(body)")
        }
        return secret
    }
}

extension Array where Element == Double {
    /// The `p` quantile (0…1) by the nearest rank below; 0 when empty.
    func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        return sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}
