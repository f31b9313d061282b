import Foundation
import KeelCore
import Synchronization

/// How the CLI finds a `keel serve` that holds an embedded directory: `DIR/server.json`, written
/// by the server once its gateway listens and removed when it stops cleanly.
///
/// `{"url": "http://127.0.0.1:8080", "pid": 1234, "token": "keel-local-…", "startedAt": "…"}`.
/// `token` is the server's per-start local operator token (see `LocalOperatorToken`). It is kept
/// in clear, in a file of mode 0600 written atomically (created 0600 under a temporary name, then
/// renamed), so only the directory's owner can read it: that owner can already read and rewrite
/// the log and the store in this directory, so the token grants nothing they do not have; it
/// only lets them ask the running server instead of fighting its lock. The admin key is never
/// written. A file whose PID is not a live process (a server that was killed) is stale and
/// ignored.
struct LocalServer: Sendable, Equatable {
    static let fileName = "server.json"

    var url: String
    var pid: Int32
    var token: String

    static func path(in directory: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
    }

    /// The live server of `directory`, or `nil` when there is no file, it does not parse, or its
    /// process is gone.
    static func find(in directory: String) -> LocalServer? {
        guard let data = FileManager.default.contents(atPath: path(in: directory)),
            let json = try? JSONValue.parse(Array(data)), let url = json["url"]?.stringValue,
            let pid = json["pid"]?.intValue.flatMap(Int32.init(exactly:)), let token = json["token"]?.stringValue
        else { return nil }
        guard isAlive(pid) else { return nil }
        return LocalServer(url: url, pid: pid, token: token)
    }

    /// The live server holding the embedded log `global` names; `nil` for Kafka or no server.
    static func find(for global: GlobalOptions) throws -> LocalServer? {
        guard case .embedded(let directory) = try global.location() else { return nil }
        return find(in: directory)
    }

    /// Whether `pid` names a running process (signal 0 checks without signalling; EPERM means
    /// it exists but belongs to someone else).
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Writes this server's file into `directory` atomically, readable by its owner only.
    func write(in directory: String) throws {
        let body = JSONValue.object([
            "url": .string(url), "pid": .int(Int64(pid)), "token": .string(token), "startedAt": .string(RFC3339.format(Date())),
        ]).serialized()
        let target = Self.path(in: directory)
        let temporary = "\(target).\(pid).tmp"
        unlink(temporary)
        // Created with 0600 from the start: the token is never readable by others, not even briefly.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CLIFailure.runtime("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = body.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == body.count, synced == 0, rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CLIFailure.runtime("cannot write \(target): \(reason)")
        }
    }

    /// Removes the file, if it is still this server's (a later server may have replaced it).
    func remove(from directory: String) {
        let path = Self.path(in: directory)
        guard let data = FileManager.default.contents(atPath: path), let json = try? JSONValue.parse(Array(data)),
            json["pid"]?.intValue == Int64(pid), json["token"]?.stringValue == token
        else { return }
        unlink(path)
    }

    /// The URL to reach a gateway that reported `listening`: a wildcard address is reached on
    /// loopback.
    static func reachableURL(_ listening: String) -> String {
        listening.replacingOccurrences(of: "://0.0.0.0:", with: "://127.0.0.1:").replacingOccurrences(of: "://[::]:", with: "://[::1]:")
    }
}

/// `keel serve`'s side of `LocalServer`: publishes the file once the gateway listens and
/// withdraws it at a clean stop. Thread-safe (the gateway reports its address on an I/O thread).
final class LocalServerPublisher: Sendable {
    let directory: String
    let token: String
    private let published = Mutex<LocalServer?>(nil)

    init(directory: String, token: String) {
        self.directory = directory
        self.token = token
    }

    /// Writes `DIR/server.json` for the gateway listening at `url`. A failure is reported and
    /// serving goes on: the CLI then cannot find this server (and says the directory is locked).
    func publish(listeningAt url: String) {
        let server = LocalServer(url: LocalServer.reachableURL(url), pid: getpid(), token: token)
        do {
            try server.write(in: directory)
            published.withLock { $0 = server }
        } catch {
            Output.error("keel serve: warning: \(error); `keel replay` and `keel dlq` cannot reach this server")
        }
    }

    func withdraw() {
        published.withLock { server in
            server?.remove(from: directory)
            server = nil
        }
    }
}
