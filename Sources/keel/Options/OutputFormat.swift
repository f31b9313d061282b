import ArgumentParser
import Foundation
import KeelCore

/// How a command prints: for people (`text`) or for scripts (`json`).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// Writes to standard output without buffering surprises: each call is one `write`.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func json(_ value: JSONValue) {
        line(value.jsonString)
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

extension JSONValue {
    init(_ dictionary: [String: JSONValue]) { self = .object(dictionary) }
}
