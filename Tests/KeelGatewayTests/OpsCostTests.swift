import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelRuntime
import KeelStore
import KeelTestSupport
import Synchronization
import Testing

/// A store that counts projection-status reads and can be made to fail with a revealing message.
final class ObservedStore: ForwardingStore, Sendable {
    let inner: any ProjectionStore
    let generationReads = Atomic<Int>(0)
    let failure = Mutex<StoreError?>(nil)

    init(_ inner: any ProjectionStore) { self.inner = inner }

    func generations(of projection: String) async throws -> [CollectionSet] {
        generationReads.add(1, ordering: .relaxed)
        return try await inner.generations(of: projection)
    }

    func checkpoint(_ target: CollectionSet) async throws -> ProjectionCheckpoint? {
        if let failure = failure.withLock({ $0 }) { throw failure }
        return try await inner.checkpoint(target)
    }
}

@Suite("Operations routes are cheap and discreet")
struct OpsCostTests {
    /// The real routes on `store` (no projector services: these tests read, never wait for projections).
    static func withRouter(_ harness: Harness, store: any ProjectionStore, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void)
        async throws
    {
        let dependencies = GatewayDependencies(
            log: harness.log, store: store, catalog: harness.catalog, projectors: StandardProjections.all(catalog: harness.catalog),
            access: harness.access, logger: quietLogger())
        let routers = buildGatewayRouters(configuration: harness.configuration, dependencies: dependencies)
        try await Application(router: routers.http).test(.router) { client in try await body(client) }
    }

    @Test("/metrics reads projection status at most once per refresh interval, however often it is scraped")
    func metricsAreCached() async throws {
        let harness = try await Harness()
        let store = ObservedStore(harness.store)
        try await Self.withRouter(harness, store: store) { client in
            for _ in 0..<20 {
                let response = try await client.call(.get, "/metrics")
                #expect(response.status == .ok)
                #expect(response.body.text.contains("keel_projector_lag_records"))
            }
        }
        // One refresh reads each projection's generations once; twenty rebuilds would read them twenty times.
        let projections = StandardProjections.all(catalog: harness.catalog).count
        #expect(store.generationReads.load(ordering: .relaxed) <= projections)
        await harness.remove()
    }

    @Test("/readyz names generic components only: no error text, addresses or host names")
    func readinessNamesNoInternals() async throws {
        let harness = try await Harness()
        let store = ObservedStore(harness.store)
        store.failure.withLock { $0 = StoreError(.unavailable, "connection to mongodb://keel:s3cret@db-7.internal:27017 refused") }
        try await Self.withRouter(harness, store: store) { client in
            let response = try await client.call(.get, "/readyz")
            expectProblem(response, .serviceUnavailable, "not-ready")
            let body = response.body.text
            for leak in ["mongodb", "s3cret", "db-7", "27017", "refused"] { #expect(!body.contains(leak), "\(body)") }
            let checks = try #require(response.body.json["checks"]?.objectValue)
            #expect(checks["store"] == .string("unavailable"))
            #expect(Set(checks.keys) == ["log", "store", "access"])
        }
        await harness.remove()
    }
}
