import KeelCore
import KeelLog

/// What `keel topics apply` would do for one catalog topic, given what the log has.
///
/// Pure: computed from the catalog definition and the log's description, so it is the same for
/// the embedded log and Kafka.
struct TopicPlan: Equatable {
    enum Action: String {
        case create = "created"
        case unchanged
        case drift
    }

    var topic: String
    var action: Action
    /// Differences between the catalog and the log, one sentence each.
    var drift: [String]

    static func compute(_ definition: TopicDefinition, existing: TopicDescription?) -> TopicPlan {
        guard let existing else { return TopicPlan(topic: definition.name, action: .create, drift: []) }
        var drift: [String] = []
        if existing.partitions != definition.partitions {
            drift.append(
                "partitions: catalog \(definition.partitions), log \(existing.partitions) (not changed automatically: repartitioning moves keys)")
        }
        for (key, wanted) in definition.kafkaConfig.sorted(by: { $0.key < $1.key }) {
            let actual = existing.config[key]
            if actual != wanted {
                drift.append("\(key): catalog \(wanted), log \(actual ?? "(broker default)")")
            }
        }
        return TopicPlan(topic: definition.name, action: drift.isEmpty ? .unchanged : .drift, drift: drift)
    }

    var json: JSONValue {
        .object(["topic": .string(topic), "action": .string(action.rawValue), "drift": .array(drift.map { .string($0) })])
    }
}
