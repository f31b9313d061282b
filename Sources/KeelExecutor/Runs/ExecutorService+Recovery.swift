import KeelCore
import KeelLog
import KeelWorkflow

extension LoopContext {
    /// Takes over runs partition `partition`: folds its whole history into run states, then
    /// relaunches what was in flight (same attempt numbers, so the same idempotency keys), re-arms
    /// timers (the scheduler keeps one timer per id) and advances every running run.
    ///
    /// Recovery time grows with the partition's history; docs/workflows.md has the figures and the
    /// retention story.
    mutating func recover(_ partition: Int32) async {
        let log = service.writer.log
        let topicPartition = TopicPartition(RunRequests.runsTopic, partition)
        var states: [String: RunState] = [:]
        do {
            try await log.readPartitionToEnd(topicPartition) { records in
                for record in records {
                    guard let key = record.key.map({ String(decoding: $0, as: UTF8.self) }),
                        let event = try? KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers),
                        let data = event.jsonData, let runEvent = RunEvent(type: event.type, data: data)
                    else { continue }
                    states[key] = RunState.evolve(states[key], runEvent, kinds: service.configuration.kinds)
                }
            }
        } catch {
            service.logger.error("executor: could not recover partition", metadata: ["partition": "\(partition)", "error": "\(error)"])
        }
        let active = states.filter { !$0.value.isTerminal }
        service.table.install(active, partition: partition)
        service.logger.info(
            "executor: took over runs", metadata: ["partition": "\(partition)", "active": "\(active.count)", "seen": "\(states.count)"])
        for (key, state) in active { await resume(key, state, partition: partition) }
    }

    func resume(_ key: String, _ state: RunState, partition: Int32) async {
        var scheduled: [RunEvent] = []
        for step in state.definition.steps {
            guard let progress = state.steps[step.id] else { continue }
            if progress.status == .scheduled && step.kind != "sleep" {
                if progress.items.isEmpty {
                    scheduled.append(
                        RunEvent(
                            runId: state.runId, seq: 0, timeMs: 0,
                            fact: .stepScheduled(
                                stepId: step.id, attempt: progress.attempt, item: nil, itemCount: nil, input: progress.input ?? .null)))
                } else {
                    for (item, itemState) in progress.items where itemState.status == .scheduled {
                        scheduled.append(
                            RunEvent(
                                runId: state.runId, seq: 0, timeMs: 0,
                                fact: .stepScheduled(
                                    stepId: step.id, attempt: itemState.attempt, item: item, itemCount: progress.itemCount,
                                    input: itemState.input ?? .null)))
                    }
                }
            }
        }
        for (timerId, timer) in state.timers {
            scheduled.append(
                RunEvent(
                    runId: state.runId, seq: 0, timeMs: 0,
                    fact: .timerSet(timerId: timerId, stepId: timer.stepId, fireAtMs: timer.fireAtMs, purpose: timer.purpose)))
        }
        if !scheduled.isEmpty {
            // Re-performing these effects is what makes a crash safe: the attempts carry their
            // recorded numbers (so their idempotency keys), the timers their ids.
            await service.effects(of: scheduled, state: state, key: key, partition: partition, continuation: continuation)
        }
        if state.status == .running {
            dispatch(key, partition: partition, RunTable.Pending(input: .decide(.advance), source: nil))
        }
    }
}
