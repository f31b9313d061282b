import Dispatch
import Foundation

/// One line of standard input, numbered from 1, without its newline.
struct InputLine: Sendable {
    var number: Int
    var bytes: [UInt8]
}

/// Standard input as chunks of complete lines: each chunk holds every line that was available
/// at one read, so interactive input is handled line by line and piped input in large batches.
///
/// Reads happen on a Dispatch worker, never on the cooperative pool (a `read(2)` on a terminal
/// blocks for as long as the user thinks).
struct StandardInputLines: AsyncSequence {
    typealias Element = [InputLine]

    struct AsyncIterator: AsyncIteratorProtocol {
        private var pending: [UInt8] = []
        private var nextNumber = 1
        private var finished = false

        mutating func next() async -> [InputLine]? {
            while !finished {
                let chunk = await Self.read()
                if chunk.isEmpty {
                    finished = true
                    if !pending.isEmpty {
                        defer { pending = [] }
                        return [take(pending)]
                    }
                    return nil
                }
                pending += chunk
                var lines: [InputLine] = []
                var start = 0
                while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    var end = newline
                    if end > start, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    lines.append(take(Array(pending[start..<end])))
                    start = newline + 1
                }
                pending.removeFirst(start)
                if !lines.isEmpty { return lines }
            }
            return nil
        }

        private mutating func take(_ bytes: [UInt8]) -> InputLine {
            defer { nextNumber += 1 }
            return InputLine(number: nextNumber, bytes: bytes)
        }

        private static func read() async -> [UInt8] {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    var buffer = [UInt8](repeating: 0, count: 1 << 20)
                    while true {
                        let count = buffer.withUnsafeMutableBytes { Foundation.read(0, $0.baseAddress, $0.count) }
                        if count < 0, errno == EINTR { continue }
                        continuation.resume(returning: count > 0 ? Array(buffer.prefix(count)) : [])
                        return
                    }
                }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
}
