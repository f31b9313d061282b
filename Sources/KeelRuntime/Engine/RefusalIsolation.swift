import KeelCore
import KeelLog
import KeelStore

extension ProjectionEngine {
    /// Redoes a refused unit one record per batch, from the dead-letter state it started with.
    ///
    /// The record whose changes the store refuses again becomes a poison dead letter (its key is
    /// blocked, so the key's later records — in this unit and after — are parked behind it, and
    /// per-key order holds); every other record is applied as usual. Returns false when the store
    /// reports a batch as already applied (the caller resynchronises).
    func isolateRefusal(_ refused: Unit, _ records: ArraySlice<ConsumedRecord>) async throws -> Bool {
        blocked = refused.blockedBefore
        keyless = refused.keylessBefore
        for record in records {
            // The same filter as `process`: records already applied are not redone.
            guard let position = positions[record.topicPartition], record.offset >= position else { continue }
            let decoded = decode(record)
            var single = newUnit()
            single.positions[record.topicPartition] = record.offset + 1
            if projector.topics.contains(record.topic) {
                handle(record, decoded: decoded, into: &single)
            }
            switch try await write(single) {
            case .applied:
                continue
            case .skipped:
                return false
            case .refused(let error):
                blocked = single.blockedBefore
                keyless = single.keylessBefore
                var poisoned = newUnit()
                poisoned.positions[record.topicPartition] = record.offset + 1
                deadLetter(
                    record, decoded: decoded, error: ProjectionError(code: "store-refused", "the store refused its changes: \(error)"),
                    into: &poisoned)
                switch try await write(poisoned) {
                case .applied: continue
                case .skipped: return false
                case .refused(let again): throw again  // the dead-letter document itself was refused: nothing sane to do
                }
            }
        }
        return true
    }
}
