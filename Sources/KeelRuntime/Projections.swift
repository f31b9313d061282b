import KeelCore

/// The projections Keel ships, by name: what `keel serve --roles projector`, `keel replay` and
/// `keel projections status` know about.
public enum StandardProjections {
    public static let names = [
        ActivityProjector.projectionName, AuditProjector.projectionName, KeysProjector.projectionName,
        IngestDedupeProjector.projectionName,
    ]

    /// Topics Keel writes itself; the gateway never ingests into them, so `dedupe` skips them.
    public static let internalTopics: Set<String> = ["keel.tenants", "keel.apikeys", "keel.audit", "keel.deadletter"]

    /// The projectors, configured from the catalog (activity and keys read every topic except
    /// the token stream; dedupe every topic the gateway ingests into).
    public static func all(catalog: TopicCatalog) -> [any Projector] {
        let topics = ActivityProjector.defaultTopics(in: catalog)
        let ingestible = catalog.topics.map(\.name).filter { !internalTopics.contains($0) }
        return [
            ActivityProjector(topics: topics), AuditProjector(), KeysProjector(topics: topics),
            IngestDedupeProjector(topics: ingestible),
        ]
    }

    public static func named(_ name: String, catalog: TopicCatalog) -> (any Projector)? {
        all(catalog: catalog).first { $0.name == name }
    }
}
