import Foundation
import KeelCore
import Logging

/// The repository's topic catalog (`Topics/`), loaded once.
public let repositoryCatalog: TopicCatalog = try! TopicCatalog(files: repositoryCatalogFiles)

/// The files of the repository's `Topics/`, for tests that extend the catalog.
public let repositoryCatalogFiles: [CatalogFile] = {
    let directory = RepositoryPaths.topics.path
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted().filter { $0.hasSuffix(".json") } ?? []
    return files.map {
        CatalogFile(path: "\(directory)/\($0)", contents: Array(FileManager.default.contents(atPath: "\(directory)/\($0)") ?? Data()))
    }
}()

/// A logger that stays silent in test runs (critical only), or logs everything at debug level
/// with `KEEL_TEST_LOG=1`.
public func quietLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = ProcessInfo.processInfo.environment["KEEL_TEST_LOG"] == "1" ? .debug : .critical
    return logger
}
