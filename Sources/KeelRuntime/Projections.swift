import KeelCore
import KeelWorkflow

/// The projections Keel ships, by name: what `keel serve --roles projector`, `keel replay` and
/// `keel projections status` know about.
public enum StandardProjections {
    public static let names = [
        ActivityProjector.projectionName, AuditProjector.projectionName, KeysProjector.projectionName,
        IngestDedupeProjector.projectionName, RunsProjector.projectionName, StepsProjector.projectionName,
    ]

    /// The projectors, configured from the catalog. The collections tenants read (`activity`,
    /// `keys`) follow only the catalog's tenant-readable topics, so an internal topic
    /// (`keel.tenants`, `keel.apikeys`, `keel.deadletter`, …) never reaches them; `audit` reads
    /// `keel.audit` and is served per tenant; `dedupe` follows the topics producers may write and
    /// remembers each identity for `dedupeRetentionSeconds`; `runs` and `steps` fold `keel.workflow.runs`.
    public static func all(
        catalog: TopicCatalog, dedupeRetentionSeconds: Int = IngestDedupeProjector.defaultRetentionSeconds
    ) -> [any Projector] {
        [
            ActivityProjector(topics: ActivityProjector.defaultTopics(in: catalog)), AuditProjector(),
            KeysProjector(topics: catalog.tenantReadableTopics),
            IngestDedupeProjector(topics: catalog.producerWritableTopics, retentionSeconds: dedupeRetentionSeconds),
            RunsProjector(), StepsProjector(),
        ]
    }

    public static func named(_ name: String, catalog: TopicCatalog) -> (any Projector)? {
        all(catalog: catalog).first { $0.name == name }
    }
}
