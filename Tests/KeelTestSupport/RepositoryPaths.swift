import Foundation

/// Paths inside the repository, found from this source file's location.
public enum RepositoryPaths {
    public static var root: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // KeelTestSupport
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repository root
    }

    public static var topics: URL { root.appendingPathComponent("Topics", isDirectory: true) }
}
