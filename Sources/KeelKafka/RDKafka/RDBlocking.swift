import Dispatch

/// Where blocking librdkafka calls (metadata, admin, commit, committed, seek, flush) run: a Dispatch queue,
/// never the Swift cooperative pool, so a slow broker cannot starve other tasks.
enum RDBlocking {
    static let queue = DispatchQueue(label: "keel.kafka.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
