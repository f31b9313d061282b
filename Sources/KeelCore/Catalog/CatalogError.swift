/// One thing wrong with one catalog file.
public struct CatalogProblem: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Every problem found while loading the topic catalog — never just the first — so one run of
/// `keel topics validate` shows everything to fix. Problems are ordered by file path.
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [CatalogProblem]

    public init(problems: [CatalogProblem]) {
        self.problems = problems
    }

    public var description: String {
        let count = problems.count
        let header = "the topic catalog has \(count) problem\(count == 1 ? "" : "s"):"
        return ([header] + problems.map { "  " + $0.description }).joined(separator: "\n")
    }
}
