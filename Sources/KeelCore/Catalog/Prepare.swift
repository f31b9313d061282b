extension TopicCatalog {
    /// Checks an event for producing to `topicName` and completes it, or says precisely why not.
    ///
    /// In order: the topic must exist; the envelope must `validate()`; a registered type may only
    /// go to its home topic or the open ingest topic; an unregistered type only to the open ingest
    /// topic; the data must match the schema of its `dataversion` (default: the latest), and must
    /// be JSON unless that schema accepts anything. Then `partitionkey` is filled from the topic's
    /// key rule when absent — and when the rule does not start from `partitionkey`, a given one
    /// must equal what the rule yields, so a producer cannot break per-entity ordering — and
    /// `dataversion` is set to the version used, for registered types.
    public func prepare(_ event: CloudEvent, forTopic topicName: String) throws(EventValidationError) -> CloudEvent {
        guard let topic = topic(named: topicName) else {
            throw EventValidationError(field: "topic", reason: "unknown topic '\(topicName)' (see `keel topics list`)")
        }
        try event.validate()
        if let contentType = event.datacontenttype, Syntax.isCloudEventsFormat(contentType) {
            // On the log such an event would be a binary-mode record whose content type says
            // "structured": a reader could mistake its data for a whole event (another tenant's).
            throw EventValidationError(
                field: "datacontenttype",
                reason:
                    "'\(contentType)' is the CloudEvents event format, not a media type for data; send the data with its own type (e.g. application/json)"
            )
        }
        var prepared = event
        if let home = homeTopic(forType: event.type) {
            if home.name != topic.name, !topic.acceptsAnyType {
                throw EventValidationError(
                    field: "type",
                    reason: "'\(event.type)' belongs on topic '\(home.name)', not '\(topic.name)'")
            }
            let definition = home.eventType(named: event.type)!
            let versionNumber = event.dataversion ?? definition.latestVersion
            guard let version = definition.version(versionNumber) else {
                throw EventValidationError(
                    field: "dataversion",
                    reason:
                        "unknown version \(versionNumber) of '\(event.type)' (known: \(definition.versions.map { String($0.version) }.joined(separator: ", ")))"
                )
            }
            try Self.checkData(of: event, against: version.schema)
            prepared.dataversion = version.version
        } else if !topic.acceptsAnyType {
            let known = topic.eventTypes.map(\.type)
            let listed = known.count <= 12 ? known.joined(separator: ", ") : known.prefix(12).joined(separator: ", ") + ", ..."
            throw EventValidationError(
                field: "type",
                reason: "unknown event type '\(event.type)' for topic '\(topic.name)' (it carries: \(listed))")
        }
        try Self.applyKey(topic.key, to: &prepared, topic: topic.name)
        return prepared
    }

    private static func checkData(of event: CloudEvent, against schema: JSONSchema) throws(EventValidationError) {
        if schema.acceptsEverything { return }
        guard case .json(let data)? = event.data else {
            let reason =
                event.data == nil
                ? "is required: '\(event.type)' carries JSON data matching its schema"
                : "must be JSON (datacontenttype application/json) for '\(event.type)'"
            throw EventValidationError(field: "data", reason: reason)
        }
        if let contentType = event.datacontenttype, !Syntax.isJSONMediaType(contentType) {
            throw EventValidationError(
                field: "datacontenttype", reason: "must be application/json for '\(event.type)', got '\(contentType)'")
        }
        let violations = schema.validate(data)
        if let first = violations.first {
            let more = violations.count > 1 ? " (and \(violations.count - 1) more problem\(violations.count == 2 ? "" : "s"))" : ""
            throw EventValidationError(field: "data" + first.path, reason: first.message + more)
        }
    }

    private static func applyKey(_ rule: KeyRule, to event: inout CloudEvent, topic: String) throws(EventValidationError) {
        if rule.tenantScoped, event.tenantid?.isEmpty != false {
            throw EventValidationError(
                field: "tenantid", reason: "topic '\(topic)' keys records by tenant and \(rule.description), but the event has no tenantid")
        }
        let derived = rule.key(for: event)
        guard let derived else {
            throw EventValidationError(
                field: "partitionkey",
                reason:
                    "topic '\(topic)' keys records by \(rule.description) (from \(rule.sources.map(\.description).joined(separator: ", "))), but the event has none"
            )
        }
        if let given = event.partitionkey, rule.sources.first != .partitionkey, given != derived {
            throw EventValidationError(
                field: "partitionkey",
                reason: "must be '\(derived)' on topic '\(topic)' (keyed by \(rule.description)), got '\(given)'")
        }
        event.partitionkey = derived
    }
}
