/// Reads one `Topics/<name>.json` file, collecting every problem instead of stopping at the first.
struct TopicFileParser {
    let path: String
    private(set) var problems: [CatalogProblem] = []

    init(path: String) {
        self.path = path
    }

    static let topicFields: Set<String> = [
        "name", "description", "partitions", "replicationFactor", "cleanupPolicy", "retention", "key",
        "acceptsAnyType", "writer", "tenantReadable", "config", "eventTypes",
    ]
    static let keyFields: Set<String> = ["description", "from", "scope"]
    static let eventTypeFields: Set<String> = ["type", "description", "versions"]
    static let versionFields: Set<String> = ["version", "schema", "examples"]
    /// Configs that have their own fields, so a file cannot say two different things.
    static let reservedConfigs: Set<String> = ["cleanup.policy", "retention.ms"]

    private mutating func problem(_ message: String) {
        problems.append(CatalogProblem(path: path, message: message))
    }

    private mutating func checkFields(_ object: [String: JSONValue], allowed: Set<String>, at location: String) {
        for name in object.keys.sorted() where !allowed.contains(name) {
            problem("\(location): unknown field '\(name)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    private mutating func string(_ object: [String: JSONValue], _ field: String, at location: String) -> String? {
        guard let value = object[field] else {
            problem("\(location): missing field '\(field)'")
            return nil
        }
        guard let text = value.stringValue, !text.isEmpty else {
            problem("\(location): '\(field)' must be a non-empty string")
            return nil
        }
        return text
    }

    mutating func parse(_ contents: [UInt8]) -> TopicDefinition? {
        let json: JSONValue
        do {
            json = try JSONValue.parse(contents)
        } catch {
            problem(error.description)
            return nil
        }
        guard let object = json.objectValue else {
            problem("a topic file must hold a JSON object")
            return nil
        }
        let here = "topic"
        checkFields(object, allowed: Self.topicFields, at: here)

        let name = string(object, "name", at: here)
        if let name {
            if !TopicCatalog.isValidTopicName(name) {
                problem("topic name '\(name)' must match ^keel(\\.[a-z][a-z0-9-]*)+$")
            }
            let fileName = path.split(separator: "/").last.map(String.init) ?? path
            if fileName != name + ".json" {
                problem("file name '\(fileName)' must be the topic name plus .json ('\(name).json')")
            }
        }
        let description = string(object, "description", at: here)

        var partitions: Int32?
        if case .int(let number)? = object["partitions"], (1...1000).contains(number) {
            partitions = Int32(number)
        } else {
            problem("'partitions' must be an integer from 1 to 1000")
        }
        var replicationFactor: Int16?
        if case .int(let number)? = object["replicationFactor"], (1...10).contains(number) {
            replicationFactor = Int16(number)
        } else {
            problem("'replicationFactor' must be an integer from 1 to 10")
        }
        var cleanupPolicy: CleanupPolicy?
        if let text = object["cleanupPolicy"]?.stringValue, let policy = CleanupPolicy(rawValue: text) {
            cleanupPolicy = policy
        } else {
            problem("'cleanupPolicy' must be one of delete, compact, compact,delete")
        }
        let retention = parseRetention(object["retention"])
        let key = parseKey(object["key"])

        var acceptsAnyType = false
        switch object["acceptsAnyType"] {
        case nil: break
        case .bool(let flag)?: acceptsAnyType = flag
        default: problem("'acceptsAnyType' must be a boolean")
        }
        if acceptsAnyType, let name, name != TopicCatalog.ingestTopicName {
            problem("only \(TopicCatalog.ingestTopicName) may accept any event type")
        }
        // Both are required: a topic nobody thought about must not default to open.
        var writer: TopicWriter?
        if let text = object["writer"]?.stringValue, let parsed = TopicWriter(rawValue: text) {
            writer = parsed
        } else {
            problem("'writer' must be \"keel\" (only Keel's roles produce to it) or \"any\" (open to producers)")
        }
        var tenantReadable: Bool?
        if case .bool(let flag)? = object["tenantReadable"] {
            tenantReadable = flag
        } else {
            problem("'tenantReadable' must be a boolean (may a tenant read its own records of this topic?)")
        }

        var extraConfig: [String: String] = [:]
        if let config = object["config"] {
            if let members = config.objectValue {
                for configName in members.keys.sorted() {
                    if Self.reservedConfigs.contains(configName) {
                        problem("config '\(configName)' is set by the cleanupPolicy/retention fields, not in 'config'")
                        continue
                    }
                    switch members[configName]! {
                    case .string(let text): extraConfig[configName] = text
                    case .int(let number): extraConfig[configName] = String(number)
                    case .bool(let flag): extraConfig[configName] = String(flag)
                    default: problem("config '\(configName)' must be a string, integer or boolean")
                    }
                }
            } else {
                problem("'config' must be an object of Kafka topic configs")
            }
        }

        var eventTypes: [EventTypeDefinition] = []
        switch object["eventTypes"] {
        case .array(let entries)?:
            var seen: Set<String> = []
            for (index, entry) in entries.enumerated() {
                guard let definition = parseEventType(entry, index: index) else { continue }
                if !seen.insert(definition.type).inserted {
                    problem("event type '\(definition.type)' is declared twice in this topic")
                    continue
                }
                eventTypes.append(definition)
            }
        case nil where acceptsAnyType:
            break
        default:
            problem("'eventTypes' must be an array of event type definitions")
        }
        if !acceptsAnyType, eventTypes.isEmpty, object["eventTypes"]?.arrayValue != nil {
            problem("a topic that does not accept any type must declare at least one event type")
        }

        guard let name, let description, let partitions, let replicationFactor, let cleanupPolicy,
            let retention, let key, let writer, let tenantReadable
        else { return nil }
        return TopicDefinition(
            name: name, description: description, partitions: partitions, replicationFactor: replicationFactor,
            cleanupPolicy: cleanupPolicy, retentionMs: retention.milliseconds, key: key, acceptsAnyType: acceptsAnyType,
            writer: writer, tenantReadable: tenantReadable, eventTypes: eventTypes, extraConfig: extraConfig)
    }

    /// `"forever"`, a positive number of milliseconds, or a positive count with a unit:
    /// `ms`, `s`, `m`, `h`, `d`, `w` (e.g. `"7d"`).
    private mutating func parseRetention(_ value: JSONValue?) -> (milliseconds: Int64?, Void)? {
        let message =
            "'retention' must be \"forever\", a positive number of milliseconds, or a duration like \"7d\", \"12h\", \"30m\" (units ms, s, m, h, d, w)"
        switch value {
        case .int(let number)? where number > 0:
            return (number, ())
        case .string("forever")?:
            return (nil, ())
        case .string(let text)?:
            if let milliseconds = Self.duration(text) { return (milliseconds, ()) }
        default:
            break
        }
        problem(message)
        return nil
    }

    static func duration(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let digits = text.dropLast(suffix.count)
            // "ms" also ends in "s": only accept when the rest is all digits.
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let count = Int64(digits), count > 0
            else { continue }
            let (product, overflow) = count.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return nil
    }

    private mutating func parseKey(_ value: JSONValue?) -> KeyRule? {
        guard let object = value?.objectValue else {
            problem("'key' must be an object with 'description' and 'from'")
            return nil
        }
        checkFields(object, allowed: Self.keyFields, at: "key")
        let description = string(object, "description", at: "key")
        guard let entries = object["from"]?.arrayValue, !entries.isEmpty else {
            problem("key: 'from' must be a non-empty array of key sources")
            return nil
        }
        var sources: [KeySource] = []
        for entry in entries {
            guard let text = entry.stringValue, let source = KeySource(text) else {
                problem("key: unknown key source \(entry.jsonString) (use partitionkey, subject, source, tenantid or data:/pointer)")
                continue
            }
            sources.append(source)
        }
        var tenantScoped = false
        switch object["scope"] {
        case nil, .string("topic")?: break
        case .string("tenant")?: tenantScoped = true
        default: problem("key: 'scope' must be \"tenant\" (the key is <tenantid>/<id>) or \"topic\" (the default)")
        }
        guard let description, sources.count == entries.count else { return nil }
        return KeyRule(description: description, sources: sources, tenantScoped: tenantScoped)
    }

    private mutating func parseEventType(_ value: JSONValue, index: Int) -> EventTypeDefinition? {
        let here = "eventTypes/\(index)"
        guard let object = value.objectValue else {
            problem("\(here): must be an object")
            return nil
        }
        checkFields(object, allowed: Self.eventTypeFields, at: here)
        let type = string(object, "type", at: here)
        let location = type.map { "event type '\($0)'" } ?? here
        if let type, !TopicCatalog.isValidEventTypeName(type) {
            problem("\(location): type names are lowercase dotted, at least three segments (e.g. keel.workflow.run.started)")
        }
        let description = string(object, "description", at: location)
        guard let entries = object["versions"]?.arrayValue, !entries.isEmpty else {
            problem("\(location): 'versions' must be a non-empty array")
            return nil
        }
        var versions: [EventTypeVersion] = []
        var valid = true
        for (versionIndex, entry) in entries.enumerated() {
            if let version = parseVersion(entry, at: "\(location) versions/\(versionIndex)") {
                if versions.contains(where: { $0.version == version.version }) {
                    problem("\(location): version \(version.version) is declared twice")
                    valid = false
                } else {
                    versions.append(version)
                }
            } else {
                valid = false
            }
        }
        let numbers = versions.map(\.version).sorted()
        if valid, numbers != Array(1...numbers.count) {
            problem("\(location): versions must be numbered 1, 2, 3, ... without gaps (got \(numbers))")
        }
        guard let type, let description, valid else { return nil }
        return EventTypeDefinition(type: type, description: description, versions: versions)
    }

    private mutating func parseVersion(_ value: JSONValue, at location: String) -> EventTypeVersion? {
        guard let object = value.objectValue else {
            problem("\(location): must be an object")
            return nil
        }
        checkFields(object, allowed: Self.versionFields, at: location)
        guard case .int(let number)? = object["version"], number >= 1, number <= Int64(Int32.max) else {
            problem("\(location): 'version' must be a positive integer")
            return nil
        }
        guard let schemaDocument = object["schema"] else {
            problem("\(location): missing field 'schema'")
            return nil
        }
        let schema: JSONSchema
        do {
            schema = try JSONSchema(schemaDocument)
        } catch {
            problem("\(location): invalid schema: \(error.description)")
            return nil
        }
        var examples: [JSONValue] = []
        if let value = object["examples"] {
            guard let entries = value.arrayValue else {
                problem("\(location): 'examples' must be an array of example data documents")
                return nil
            }
            examples = entries
            for (index, example) in entries.enumerated() {
                for violation in schema.validate(example) {
                    problem("\(location): example \(index) does not match the schema: data\(violation.path): \(violation.message)")
                }
            }
        }
        return EventTypeVersion(version: Int(number), schema: schema, examples: examples)
    }
}
