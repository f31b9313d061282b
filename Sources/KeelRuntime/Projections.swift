import KeelCore

/// The projections Keel ships, by name: what `keel serve --roles projector`, `keel replay` and
/// `keel projections status` know about.
public enum StandardProjections {
    public static let names = [ActivityProjector.projectionName, AuditProjector.projectionName, KeysProjector.projectionName]

    /// The projectors, configured from the catalog (activity and keys read every topic except
    /// the token stream).
    public static func all(catalog: TopicCatalog) -> [any Projector] {
        let topics = ActivityProjector.defaultTopics(in: catalog)
        return [ActivityProjector(topics: topics), AuditProjector(), KeysProjector(topics: topics)]
    }

    public static func named(_ name: String, catalog: TopicCatalog) -> (any Projector)? {
        all(catalog: catalog).first { $0.name == name }
    }
}
