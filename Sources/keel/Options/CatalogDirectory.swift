import Foundation
import KeelCore

/// Reads a `Topics/` folder into a `TopicCatalog` (KeelCore is pure: the reading happens here).
enum CatalogDirectory {
    /// The catalog of the source tree this binary was built from.
    static var builtFrom: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Topics").path
    }

    static func load(_ directory: String) throws -> TopicCatalog {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw CLIFailure.usage("cannot read the topic catalog at \(directory): \(error.localizedDescription)")
        }
        var files: [CatalogFile] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = url.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIFailure.usage("cannot read \(path)")
            }
            files.append(CatalogFile(path: path, contents: Array(data)))
        }
        do {
            return try TopicCatalog(files: files)
        } catch {
            throw CLIFailure.usage("the topic catalog at \(directory) is invalid:\n\(error)")
        }
    }
}
