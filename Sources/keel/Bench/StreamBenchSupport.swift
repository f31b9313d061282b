import AsyncHTTPClient
import Foundation
import KeelCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// `keel serve` as a child process for `keel bench stream`: its own embedded directory, its own
/// admin key, limits raised for the subscribers the bench opens.
final class StreamBenchServer: Sendable {
    let process: Process
    let port: Int
    let directory: String
    let adminKey: String

    private init(process: Process, port: Int, directory: String, adminKey: String) {
        self.process = process
        self.port = port
        self.directory = directory
        self.adminKey = adminKey
    }

    /// Lets this process, and the server it starts, hold one descriptor per subscriber.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }

    static func start(streams: Int) async throws -> StreamBenchServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-bench-stream-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let adminKey = "bench-admin-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = [
            "serve", "--log", "embedded:\(directory)/log", "--store", "embedded:\(directory)/store", "--listen", "127.0.0.1:0",
            "--no-rate-limits", "--stream-limit", "key=\(streams)", "--stream-limit", "tenant=\(streams)", "--stream-limit", "instance=\(streams)",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["KEEL_ADMIN_KEY"] = adminKey
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // `keel serve` prints "listening on http://127.0.0.1:PORT" once it accepts connections.
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let chunk = try await Self.read(output.fileHandleForReading)
            guard !chunk.isEmpty else { break }
            text += chunk
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on http://") }),
                let port = Int(line.split(separator: ":").last ?? "")
            {
                let server = StreamBenchServer(process: process, port: port, directory: directory, adminKey: adminKey)
                // The server keeps printing (ready line): drain it so it never blocks on a full pipe.
                Thread.detachNewThread { while !output.fileHandleForReading.availableData.isEmpty {} }
                return server
            }
        }
        process.terminate()
        throw CLIFailure.runtime("keel serve did not start: \(text)")
    }

    /// Reads what the pipe has, off the cooperative pool (the read blocks).
    private static func read(_ handle: FileHandle) async throws -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: String(decoding: handle.availableData, as: UTF8.self)) }
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The server's resident memory now and at its peak, in bytes (from /proc).
    func memory() -> (current: Int, peak: Int) {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return (0, 0) }
        func kilobytes(_ field: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return 0 }
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
        }
        return (kilobytes("VmRSS:"), kilobytes("VmHWM:"))
    }

    private func post(event: String, token: String) async throws -> (UInt, String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/cloudevents+json")
        request.body = .bytes(ByteBuffer(string: event))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    /// Posts `rate` events per second for `seconds`, each carrying its send time; returns how many.
    func produce(rate: Double, seconds: Double, token: String) async throws -> Int {
        let count = max(1, Int(rate * seconds))
        let interval = Duration.nanoseconds(Int64(1e9 / rate))
        let clock = ContinuousClock()
        var next = clock.now
        for index in 0..<count {
            try await clock.sleep(until: next)
            next += interval
            let sent = DispatchTime.now().uptimeNanoseconds
            let event =
                #"{"specversion":"1.0","id":"bench-\#(UUID().uuidString)-\#(index)","source":"bench","type":"com.keel.bench.tick","data":{"t":\#(sent)}}"#
            let (status, body) = try await post(event: event, token: token)
            guard status == 202 else { throw CLIFailure.runtime("producing: \(status) \(body)") }
        }
        return count
    }
}

/// A minimal SSE client on NIO, so ten thousand subscribers cost one event-loop thread: it
/// sends the GET, de-chunks the response, and reports each event's send time to the recorder.
enum SSEClient {
    static func connect(port: Int, token: String, group: EventLoopGroup, recorder: DeliveryRecorder) async throws -> Channel {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(SSEHandler(recorder: recorder))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/stream?topic=keel.external")
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        head.headers.add(name: "Authorization", value: "Bearer \(token)")
        head.headers.add(name: "Accept", value: "text/event-stream")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        return channel
    }
}

/// Finds the events in the stream and reads the `t` member of each event's data. Lives on one
/// event loop (NIO's handler contract), so it needs no lock of its own. Scans the bytes in place:
/// the client shares the machine with the server it measures, so it must cost little.
final class SSEHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: NIO calls a handler only on its channel's event loop.
    typealias InboundIn = HTTPClientResponsePart

    let recorder: DeliveryRecorder
    /// The start of a frame that has not fully arrived yet.
    private var pending = ByteBuffer()
    private var joined = false
    private static let marker = Array(#"data: {"data":{"t":"#.utf8)
    private static let subscribed = Array(": subscribed".utf8)

    init(recorder: DeliveryRecorder) {
        self.recorder = recorder
    }

    func channelActive(context: ChannelHandlerContext) {
        recorder.opened()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        recorder.closed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .body(var buffer) = unwrapInboundIn(data) else { return }
        if pending.readableBytes > 0 {
            pending.writeBuffer(&buffer)
            buffer = pending
            pending = ByteBuffer()
        }
        let consumed = buffer.withUnsafeReadableBytes { bytes -> Int in
            var start = 0
            var index = 0
            while index + 1 < bytes.count {
                if bytes[index] == 0x0A, bytes[index + 1] == 0x0A {
                    handle(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                    index += 2
                    start = index
                } else {
                    index += 1
                }
            }
            return start
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        if buffer.readableBytes > 0 { pending = buffer }
    }

    private static func find(_ needle: [UInt8], in frame: UnsafeRawBufferPointer) -> Int? {
        guard frame.count >= needle.count else { return nil }
        var index = 0
        while index <= frame.count - needle.count {
            if frame[index] == needle[0] {
                var match = true
                for offset in 1..<needle.count where frame[index + offset] != needle[offset] {
                    match = false
                    break
                }
                if match { return index + needle.count }
            }
            index += 1
        }
        return nil
    }

    private func handle(_ frame: UnsafeRawBufferPointer) {
        if !joined, Self.find(Self.subscribed, in: frame) != nil {
            joined = true
            recorder.joined()
            return
        }
        guard var cursor = Self.find(Self.marker, in: frame) else { return }
        var value: UInt64 = 0
        while cursor < frame.count, frame[cursor] >= 0x30, frame[cursor] <= 0x39 {
            value = value * 10 + UInt64(frame[cursor] - 0x30)
            cursor += 1
        }
        recorder.delivered(sentNanoseconds: value)
    }
}
