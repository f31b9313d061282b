import KeelCore
import KeelLog
import KeelStore

extension ProjectionEngine {
    /// Carries out an operator request, adding its changes to `unit` (applied atomically with
    /// the request's own position, so a crash redoes the whole request and never half of it).
    func carryOut(_ request: DeadLetterRequest, into unit: inout Unit) async throws {
        switch request {
        case .redrive(nil):
            for key in blocked.keys.sorted(by: { $0.description < $1.description }) {
                try await redrive(key, skipping: nil, reason: nil, into: &unit)
            }
            for entry in keyless.values.sorted(by: { $0.documentID < $1.documentID }) {
                try await redriveKeyless(entry, into: &unit)
            }
        case .redrive(let id?):
            guard let entry = find(id) else {
                logger.notice(
                    "redrive: no such dead letter (already redriven or skipped?)", metadata: ["projector": "\(target)", "entry": "\(id)"])
                return
            }
            if let key = entry.blockKey {
                try await redrive(key, skipping: nil, reason: nil, into: &unit)
            } else {
                try await redriveKeyless(entry, into: &unit)
            }
        case .skip(let id, let reason):
            guard let entry = find(id), entry.status == .poison else {
                logger.notice(
                    "skip: no such dead-lettered (poison) entry; parked entries cannot be skipped",
                    metadata: ["projector": "\(target)", "entry": "\(id)"])
                return
            }
            if let key = entry.blockKey {
                try await redrive(key, skipping: entry.documentID, reason: reason, into: &unit)
            } else {
                keyless[entry.documentID] = nil
                unit.changes.append(entry.deletion)
                if mode == .live { unit.notices.append(DeadLetterEvents.outcome(DeadLetterEvents.skipped, entry: entry, reason: reason)) }
            }
        }
    }

    private func find(_ id: String) -> DeadLetterEntry? {
        guard let (projection, documentID) = DeadLetterEntry.parse(id), projection == projector.name else { return nil }
        if let entry = keyless[documentID] { return entry }
        return blocked.values.lazy.flatMap { $0 }.first { $0.documentID == documentID }
    }

    /// Re-applies a key's entries in order; the first that fails again becomes the new poison
    /// and everything after it stays parked behind it. The key is unblocked only when all pass.
    private func redrive(_ key: BlockKey, skipping skipped: String?, reason: String?, into unit: inout Unit) async throws {
        guard let entries = blocked[key] else { return }
        let reader = RecordReader(log: log)
        var poison: DeadLetterEntry?
        var remaining: [DeadLetterEntry] = []
        for entry in entries {
            if let poison {
                var parked = entry
                parked.status = .parked
                parked.error = nil
                parked.blockedBy = poison.id
                remaining.append(parked)
                if parked != entry { unit.changes.append(parked.replacement) }
                continue
            }
            if entry.documentID == skipped {
                unit.changes.append(entry.deletion)
                if mode == .live { unit.notices.append(DeadLetterEvents.outcome(DeadLetterEvents.skipped, entry: entry, reason: reason)) }
                continue
            }
            let result: Result<[DocumentChange], ProjectionError>
            if let record = try await reader.read(topic: entry.topic, partition: entry.partition, offset: entry.offset) {
                result = project(record, decoded: decode(record))
            } else {
                result = .failure(ProjectionError(code: "gone", "the record is no longer in the log (retention or compaction)"))
            }
            switch result {
            case .success(let changes):
                unit.changes += changes
                unit.changes.append(entry.deletion)
                if mode == .live { unit.notices.append(DeadLetterEvents.outcome(DeadLetterEvents.redriven, entry: entry)) }
            case .failure(let error):
                var failed = entry
                failed.status = .poison
                failed.error = error
                failed.blockedBy = nil
                poison = failed
                remaining.append(failed)
                logger.warning("redrive failed again", metadata: ["projector": "\(target)", "entry": "\(entry.id)", "error": "\(error)"])
                note(failed, event: nil, into: &unit)
            }
        }
        blocked[key] = remaining.isEmpty ? nil : remaining
    }

    private func redriveKeyless(_ entry: DeadLetterEntry, into unit: inout Unit) async throws {
        guard let record = try await RecordReader(log: log).read(topic: entry.topic, partition: entry.partition, offset: entry.offset)
        else {
            logger.warning("redrive: the record is no longer in the log", metadata: ["projector": "\(target)", "entry": "\(entry.id)"])
            return
        }
        switch project(record, decoded: decode(record)) {
        case .success(let changes):
            keyless[entry.documentID] = nil
            unit.changes += changes
            unit.changes.append(entry.deletion)
            if mode == .live { unit.notices.append(DeadLetterEvents.outcome(DeadLetterEvents.redriven, entry: entry)) }
        case .failure(let error):
            var failed = entry
            failed.error = error
            keyless[entry.documentID] = failed
            logger.warning("redrive failed again", metadata: ["projector": "\(target)", "entry": "\(entry.id)", "error": "\(error)"])
            note(failed, event: nil, into: &unit)
        }
    }
}
