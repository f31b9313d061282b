import KeelCore
import KeelStore

/// The `keel_checkpoints` document of one generation:
/// `{_id: "<projection>|<generation or live>", projection, generation (null for live),
///   positions: [{topic, partition, next}], promoting?, promotedFrom?}`.
///
/// A document without `positions` registers a generation that has no checkpoint yet (created by
/// `ensureIndexes`). Positions are an array rather than `{topic: …}` fields because topic names
/// may contain dots, which MongoDB reads as paths.
enum CheckpointRecord {
    static let collection = "keel_checkpoints"

    static func id(_ target: CollectionSet) -> String {
        "\(target.projection)|\(target.generation ?? "live")"
    }

    static func positions(_ document: Document?) -> ProjectionCheckpoint? {
        guard let entries = document?["positions"]?.arrayValue else { return nil }
        var positions: [LogPosition: Int64] = [:]
        for entry in entries {
            guard let fields = entry.objectValue, let topic = fields["topic"]?.stringValue,
                let partition = fields["partition"]?.intValue, let next = fields["next"]?.intValue
            else { continue }
            positions[LogPosition(topic, Int32(truncatingIfNeeded: partition))] = next
        }
        return ProjectionCheckpoint(positions: positions)
    }

    static func document(_ target: CollectionSet, _ checkpoint: ProjectionCheckpoint?, extra: Document = [:]) -> Document {
        var document: Document = [
            "_id": .string(id(target)),
            "projection": .string(target.projection),
            "generation": target.generation.map(DocumentValue.string) ?? .null,
        ]
        if let checkpoint {
            document["positions"] = .array(
                checkpoint.positions.keys.sorted().map { position in
                    .object([
                        "topic": .string(position.topic), "partition": .int(Int64(position.partition)),
                        "next": .int(checkpoint.positions[position]!),
                    ])
                })
        }
        for (key, value) in extra { document[key] = value }
        return document
    }

    /// True when every position of the batch is ahead of the stored one (a missing one is behind all).
    static func isAhead(_ batch: ProjectionCheckpoint, of stored: ProjectionCheckpoint?) -> Bool {
        batch.positions.allSatisfy { position, next in
            guard let current = stored?.positions[position] else { return true }
            return next > current
        }
    }

    /// True when the batch applies: it is ahead of the stored checkpoint and, when it carries
    /// `expected` positions, every partition it covers is stored exactly there (absent ones absent).
    static func accepts(_ batch: ProjectionBatch, stored: ProjectionCheckpoint?) -> Bool {
        guard isAhead(batch.checkpoint, of: stored) else { return false }
        guard let expected = batch.expected else { return true }
        return batch.checkpoint.positions.keys.allSatisfy { stored?.positions[$0] == expected.positions[$0] }
    }

    /// The stored positions with the batch's positions applied over them.
    static func merged(_ stored: ProjectionCheckpoint?, _ batch: ProjectionCheckpoint) -> ProjectionCheckpoint {
        var positions = stored?.positions ?? [:]
        for (position, next) in batch.positions { positions[position] = next }
        return ProjectionCheckpoint(positions: positions)
    }
}
