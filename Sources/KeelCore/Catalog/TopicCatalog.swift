/// The topic catalog: every topic, its configuration, key rule and event types with their schemas.
///
/// Pure: it is handed file contents and never reads files. After a successful `init` the catalog
/// guarantees: topic names are valid and unique and match their file names; every event type has
/// exactly one home topic; every schema compiled; every declared example validates against its
/// version's schema; versions of a type are 1...n.
public struct TopicCatalog: Sendable {
    /// Sorted by name.
    public let topics: [TopicDefinition]
    private let topicsByName: [String: TopicDefinition]
    private let homes: [String: String]  // event type -> topic name

    /// The open ingest topic external producers may publish any event type to.
    public static let ingestTopicName = "keel.external"
    public var ingestTopicName: String { Self.ingestTopicName }

    public init(files: [CatalogFile]) throws(CatalogError) {
        var problems: [CatalogProblem] = []
        var topics: [TopicDefinition] = []
        var pathsByName: [String: String] = [:]
        for file in files.sorted(by: { $0.path < $1.path }) {
            var parser = TopicFileParser(path: file.path)
            let topic = parser.parse(file.contents)
            problems += parser.problems
            guard let topic else { continue }
            if let other = pathsByName[topic.name] {
                problems.append(CatalogProblem(path: file.path, message: "topic '\(topic.name)' is also declared in \(other)"))
                continue
            }
            pathsByName[topic.name] = file.path
            topics.append(topic)
        }
        var homes: [String: String] = [:]
        for topic in topics {
            for eventType in topic.eventTypes {
                if let home = homes[eventType.type] {
                    problems.append(
                        CatalogProblem(
                            path: pathsByName[topic.name]!,
                            message:
                                "event type '\(eventType.type)' already has a home: topic '\(home)' (\(pathsByName[home]!)); each type has exactly one home"
                        ))
                } else {
                    homes[eventType.type] = topic.name
                }
            }
        }
        if !problems.isEmpty {
            throw CatalogError(problems: problems.sorted { $0.path < $1.path })
        }
        self.topics = topics.sorted { $0.name < $1.name }
        self.topicsByName = Dictionary(uniqueKeysWithValues: topics.map { ($0.name, $0) })
        self.homes = homes
    }

    public func topic(named name: String) -> TopicDefinition? {
        topicsByName[name]
    }

    /// The one topic that declares `type`.
    public func homeTopic(forType type: String) -> TopicDefinition? {
        homes[type].flatMap { topicsByName[$0] }
    }

    /// Topics whose records a tenant may read (its own only): what live streams serve and what
    /// tenant-readable projections follow.
    public var tenantReadableTopics: [String] { topics.filter(\.tenantReadable).map(\.name) }

    /// Topics producers may write through ingest (`writer: any`).
    public var producerWritableTopics: [String] { topics.filter { $0.writer == .any }.map(\.name) }

    /// May a tenant read its own records of `name`? Topics outside the catalog are never readable.
    public func isTenantReadable(_ name: String) -> Bool { topicsByName[name]?.tenantReadable == true }

    /// The definition of a registered event type.
    public func eventType(named type: String) -> EventTypeDefinition? {
        homeTopic(forType: type)?.eventType(named: type)
    }

    /// `^keel(\.[a-z][a-z0-9-]*)+$`
    public static func isValidTopicName(_ name: String) -> Bool {
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count >= 2, segments[0] == "keel" else { return false }
        return segments.dropFirst().allSatisfy(isLowercaseSegment)
    }

    /// Lowercase dotted names with at least three segments, each `[a-z][a-z0-9-]*`
    /// (e.g. `keel.workflow.run.started`, `com.example.order.placed`).
    public static func isValidEventTypeName(_ name: String) -> Bool {
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        return segments.count >= 3 && segments.allSatisfy(isLowercaseSegment)
    }

    private static func isLowercaseSegment(_ segment: Substring) -> Bool {
        guard let first = segment.utf8.first, first >= 0x61, first <= 0x7A else { return false }
        return segment.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
    }
}

/// One catalog file's path (for messages and the file-name check) and raw contents.
public struct CatalogFile: Sendable {
    public var path: String
    public var contents: [UInt8]

    public init(path: String, contents: [UInt8]) {
        self.path = path
        self.contents = contents
    }
}
