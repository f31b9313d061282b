import Foundation
import KeelCore
import Logging

/// The repository's topic catalog (`Topics/`), loaded once.
public let repositoryCatalog: TopicCatalog = {
    let directory = RepositoryPaths.topics.path
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted().filter { $0.hasSuffix(".json") } ?? []
    let loaded = files.map { CatalogFile(path: "\(directory)/\($0)", contents: Array(FileManager.default.contents(atPath: "\(directory)/\($0)") ?? Data())) }
    return try! TopicCatalog(files: loaded)
}()

/// A logger that stays silent in test runs (critical only), or logs everything at debug level
/// with `KEEL_TEST_LOG=1`.
public func quietLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = ProcessInfo.processInfo.environment["KEEL_TEST_LOG"] == "1" ? .debug : .critical
    return logger
}
