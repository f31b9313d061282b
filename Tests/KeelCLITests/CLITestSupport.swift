import Foundation
import KeelCore
import KeelTestSupport
import Testing

/// The logs the CLI tests run against: a fresh embedded directory, and the test broker.
enum CLILog: String, CaseIterable, CustomTestStringConvertible {
    case embedded
    case kafka

    var testDescription: String { rawValue }
}

/// A `keel` runner bound to a fresh log of `kind`, or `nil` when that log is not available
/// (recording an issue where integration tests are required).
func keelRunner(_ kind: CLILog) throws -> (keel: KeelProcess, cleanup: @Sendable () -> Void)? {
    switch kind {
    case .embedded:
        let directory = try TemporaryDirectory(prefix: "keel-cli")
        return (KeelProcess(log: "embedded:\(directory.path)/log"), { directory.remove() })
    case .kafka:
        switch TestServers.kafka() {
        case .available(let bootstrap):
            return (KeelProcess(log: "kafka:\(bootstrap)", extraEnvironment: [:]), {})
        case .missingButRequired(let message):
            Issue.record(Comment(rawValue: message))
            return nil
        case .notConfigured:
            // Not a silent pass: say so (Scripts/test.sh sets the broker and requires these).
            print("note: keel CLI test on Kafka not run: KEEL_TEST_KAFKA is not set (Scripts/test.sh starts a broker)")
            return nil
        }
    }
}

func parseLines(_ output: String) throws -> [JSONValue] {
    try output.split(separator: "\n").map { try JSONValue.parse(String($0)) }
}
