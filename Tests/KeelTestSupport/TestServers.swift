import Foundation

/// Where the real test servers are, as the test script exported them.
///
/// Integration tests must never pass by skipping silently in CI: when a server is missing and
/// `CI` or `KEEL_REQUIRE_INTEGRATION=1` is set, `require…` returns a failure message the test
/// records as an issue. Locally, without the servers, the tests say they were not run.
public enum TestServers {
    /// `host:port` of the Kafka-protocol broker (tansu in CI), from `KEEL_TEST_KAFKA`.
    public static var kafkaBootstrap: String? {
        nonEmpty(ProcessInfo.processInfo.environment["KEEL_TEST_KAFKA"])
    }

    /// True when the test broker is tansu (`KEEL_TEST_KAFKA_FLAVOR=tansu`, set by Scripts/test.sh),
    /// whose known gaps (INFRA.md) tests mark as known issues instead of asserting around them.
    public static var kafkaIsTansu: Bool {
        ProcessInfo.processInfo.environment["KEEL_TEST_KAFKA_FLAVOR"] == "tansu"
    }

    /// True in CI, or when the developer asked for the integration tests explicitly.
    public static var integrationRequired: Bool {
        let env = ProcessInfo.processInfo.environment
        return nonEmpty(env["CI"]) != nil || env["KEEL_REQUIRE_INTEGRATION"] == "1"
    }

    /// `mongodb://host:port` of the MongoDB-protocol server (SecantusDB in CI), from `KEEL_TEST_MONGO`.
    public static var mongoURI: String? {
        nonEmpty(ProcessInfo.processInfo.environment["KEEL_TEST_MONGO"])
    }

    /// The MongoDB URI, or why there is none (same rules as `kafka()`).
    public static func mongo() -> Availability {
        if let uri = mongoURI { return .available(uri) }
        if integrationRequired {
            return .missingButRequired(
                "KEEL_TEST_MONGO is not set but integration tests are required (CI or KEEL_REQUIRE_INTEGRATION=1): run the suite with Scripts/test.sh, which starts a server"
            )
        }
        return .notConfigured
    }

    /// The broker address, or why there is none. `.failure` means "record an issue": the
    /// integration tests are required here and the broker is missing.
    public static func kafka() -> Availability {
        if let bootstrap = kafkaBootstrap { return .available(bootstrap) }
        if integrationRequired {
            return .missingButRequired(
                "KEEL_TEST_KAFKA is not set but integration tests are required (CI or KEEL_REQUIRE_INTEGRATION=1): run the suite with Scripts/test.sh, which starts a broker"
            )
        }
        return .notConfigured
    }

    public enum Availability: Sendable {
        case available(String)
        case missingButRequired(String)
        case notConfigured
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
