// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "keel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "keel", targets: ["keel"]),
        .library(name: "KeelCore", targets: ["KeelCore"]),
        .library(name: "KeelLog", targets: ["KeelLog"]),
        .library(name: "KeelLogEmbedded", targets: ["KeelLogEmbedded"]),
        .library(name: "KeelKafka", targets: ["KeelKafka"]),
        .library(name: "KeelStore", targets: ["KeelStore"]),
        .library(name: "KeelStoreEmbedded", targets: ["KeelStoreEmbedded"]),
        .library(name: "KeelMongo", targets: ["KeelMongo"]),
        .library(name: "KeelRuntime", targets: ["KeelRuntime"]),
        .library(name: "KeelExpressions", targets: ["KeelExpressions"]),
        .library(name: "KeelWorkflow", targets: ["KeelWorkflow"]),
        .library(name: "KeelExecutor", targets: ["KeelExecutor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Pure domain: envelope, JSON, catalog, schemas, partitioning. No I/O, no C, no Keel imports.
        .target(name: "KeelCore"),

        // The SQLite layer the embedded log and the embedded store share (package-internal).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "KeelSQLite",
            dependencies: ["KeelCore", "CSQLite", .product(name: "Logging", package: "swift-log")]
        ),

        // The EventLog port.
        .target(
            name: "KeelLog",
            dependencies: [
                "KeelCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The embedded (SQLite) log, an adapter of the port. Its own target so that roles cannot name it:
        // only `keel` and the tests depend on it.
        .target(
            name: "KeelLogEmbedded",
            dependencies: [
                "KeelCore", "KeelLog", "KeelSQLite",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The Kafka adapter over librdkafka.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(
            name: "KeelKafka",
            dependencies: [
                "KeelCore", "KeelLog", "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The ProjectionStore port and the pure document semantics its adapters share.
        .target(
            name: "KeelStore",
            dependencies: [
                "KeelCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The embedded (SQLite) store, an adapter of the port. Its own target so that roles cannot name it:
        // only `keel` and the tests depend on it.
        .target(
            name: "KeelStoreEmbedded",
            dependencies: [
                "KeelCore", "KeelStore", "KeelSQLite",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The MongoDB adapter over libmongoc/libbson.
        .systemLibrary(name: "CMongoC", pkgConfig: "libmongoc-1.0", providers: [.apt(["libmongoc-dev", "libbson-dev"])]),
        .target(
            name: "KeelMongo",
            dependencies: [
                "KeelCore", "KeelStore", "CMongoC",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Processor and projector runtime: partitions, checkpoints, dead letters, replay.
        .target(
            name: "KeelRuntime",
            dependencies: [
                "KeelCore", "KeelLog", "KeelStore", "KeelWorkflow",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // JMESPath, Keel's one expression language (conditions, filters, transforms). Pure.
        .target(name: "KeelExpressions", dependencies: ["KeelCore"]),

        // Workflows as values: definitions (Keel's format and Linq's), validation, templates, conditions,
        // and the run decider (`decide`/`evolve`). Pure: no I/O, no clock, no randomness.
        .target(name: "KeelWorkflow", dependencies: ["KeelCore", "KeelExpressions"]),

        // The `executor` and `scheduler` roles: runs owned through the consumer group, step kinds with side
        // effects (HTTP, emit), durable timers, the secret store.
        .target(
            name: "KeelExecutor",
            dependencies: [
                "KeelCore", "KeelLog", "KeelStore", "KeelRuntime", "KeelExpressions", "KeelWorkflow",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The HTTP front door: ingest, access (tenants, keys, JWT), rate limits, queries, live streams.
        .target(
            name: "KeelGateway",
            dependencies: [
                "KeelCore", "KeelLog", "KeelStore", "KeelRuntime", "KeelWorkflow", "KeelExecutor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The one binary. Only here are adapters wired to commands.
        .executableTarget(
            name: "keel",
            dependencies: [
                "KeelCore", "KeelLog", "KeelLogEmbedded", "KeelKafka", "KeelStore", "KeelStoreEmbedded", "KeelMongo",
                "KeelRuntime", "KeelGateway", "KeelWorkflow", "KeelExecutor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Shared by the test targets: where the test servers are, and how to fail loudly without them.
        .target(
            name: "KeelTestSupport",
            dependencies: ["KeelCore", "KeelLog", "KeelStore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/KeelTestSupport"
        ),
        .testTarget(name: "KeelCoreTests", dependencies: ["KeelCore"]),
        .testTarget(name: "KeelExpressionsTests", dependencies: ["KeelCore", "KeelExpressions"]),
        .testTarget(name: "KeelWorkflowTests", dependencies: ["KeelCore", "KeelExpressions", "KeelWorkflow"]),
        .testTarget(
            name: "KeelExecutorTests",
            dependencies: [
                "KeelCore", "KeelLog", "KeelLogEmbedded", "KeelStore", "KeelStoreEmbedded", "KeelRuntime",
                "KeelWorkflow", "KeelExecutor", "KeelTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "KeelLogTests", dependencies: ["KeelCore", "KeelLog", "KeelLogEmbedded", "KeelTestSupport"]),
        .testTarget(name: "KeelKafkaTests", dependencies: ["KeelCore", "KeelLog", "KeelKafka", "KeelTestSupport"]),
        .testTarget(
            name: "EventLogConformanceTests",
            dependencies: ["KeelCore", "KeelLog", "KeelLogEmbedded", "KeelKafka", "KeelTestSupport"]
        ),
        .testTarget(name: "KeelCLITests", dependencies: ["KeelCore", "KeelTestSupport"]),
        .testTarget(
            name: "KeelStoreTests",
            dependencies: ["KeelCore", "KeelStore", "KeelStoreEmbedded", "KeelSQLite", "KeelTestSupport"]
        ),
        .testTarget(name: "KeelMongoTests", dependencies: ["KeelCore", "KeelStore", "KeelMongo", "KeelTestSupport"]),
        .testTarget(
            name: "ProjectionStoreConformanceTests",
            dependencies: ["KeelCore", "KeelStore", "KeelStoreEmbedded", "KeelMongo", "KeelTestSupport"]
        ),
        .testTarget(
            name: "KeelGatewayTests",
            dependencies: [
                "KeelCore", "KeelLog", "KeelLogEmbedded", "KeelStore", "KeelStoreEmbedded", "KeelRuntime", "KeelGateway",
                "KeelWorkflow", "KeelExecutor", "KeelTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "KeelRuntimeTests",
            dependencies: [
                "KeelCore", "KeelLog", "KeelLogEmbedded", "KeelKafka", "KeelStore", "KeelStoreEmbedded", "KeelMongo",
                "KeelRuntime", "KeelTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
