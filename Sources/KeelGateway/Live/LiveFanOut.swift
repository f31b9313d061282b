import KeelCore

extension LiveHub {
    /// The fan-out itself, on the feed in place (under the lock).
    static func fanOut(_ records: [FeedRecord], to feed: inout Feed) {
        var position = feed.position ?? [:]
        var dropped: [UInt64] = []
        for record in records {
            position[record.partition] = record.offset + 1
            guard let event = record.event else { continue }
            // Subscribers reading the same partitions get the same bytes: their positions agree.
            var renderedAll: LiveMessage?
            var renderedOne: [Int32: LiveMessage] = [:]
            for (id, subscriber) in feed.subscribers {
                guard subscriber.readsAll || subscriber.partitions.contains(record.partition) else { continue }
                if let floor = subscriber.ahead[record.partition] {
                    // Its own catch-up read delivered this one already.
                    if record.offset < floor { continue }
                    subscriber.ahead[record.partition] = nil
                }
                guard subscriber.request.matches(event) else { continue }
                let message: LiveMessage
                if !subscriber.ahead.isEmpty {
                    message = record.render(event, position: restrict(position, to: subscriber.partitions, ahead: subscriber.ahead))
                } else if subscriber.readsAll {
                    if renderedAll == nil { renderedAll = record.render(event, position: StreamPosition(offsets: position)) }
                    message = renderedAll!
                } else if subscriber.partitions.count == 1 {
                    if renderedOne[record.partition] == nil {
                        renderedOne[record.partition] = record.render(event, position: restrict(position, to: subscriber.partitions, ahead: [:]))
                    }
                    message = renderedOne[record.partition]!
                } else {
                    message = record.render(event, position: restrict(position, to: subscriber.partitions, ahead: [:]))
                }
                if !subscriber.buffer.offer(.event(message)) { dropped.append(id) }
            }
            for id in dropped { feed.subscribers[id] = nil }
            dropped.removeAll()
        }
        feed.position = position
    }

    static func restrict(_ position: [Int32: Int64], to partitions: [Int32], ahead: [Int32: Int64]) -> StreamPosition {
        var offsets: [Int32: Int64] = [:]
        for partition in partitions { offsets[partition] = max(position[partition] ?? 0, ahead[partition] ?? 0) }
        return StreamPosition(offsets: offsets)
    }
}
