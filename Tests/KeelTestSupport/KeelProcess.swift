import Foundation

/// Runs the built `keel` executable as a child process, the way a user would.
public struct KeelProcess: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// The `keel` binary beside the test bundle (both are built by `swift build --build-tests`).
    public static var executable: URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("keel"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("keel"),
            RepositoryPaths.root.appendingPathComponent(".build/debug/keel"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    public var environment: [String: String]

    /// `log` becomes KEEL_LOG; the catalog is the repository's Topics/.
    public init(log: String, extraEnvironment: [String: String] = [:]) {
        var environment = ProcessInfo.processInfo.environment
        environment["KEEL_LOG"] = log
        environment["KEEL_TOPICS"] = RepositoryPaths.topics.path
        environment.merge(extraEnvironment) { _, new in new }
        self.environment = environment
    }

    /// Runs `keel arguments…` with `stdin`, waits at most `timeout`, and returns what it printed.
    /// Async, like every wait here: a test that blocked a thread of the cooperative pool while a
    /// child ran (two threads on a 2-core CI machine) would stall every other suite meanwhile.
    public func run(_ arguments: [String], stdin: String = "", timeout: Duration = .seconds(60)) async throws -> Result {
        let running = try start(arguments)
        running.input.fileHandleForWriting.write(Data(stdin.utf8))
        try running.input.fileHandleForWriting.close()
        return await running.wait(timeout: timeout)
    }

    /// Starts `keel arguments…` and returns it running, stdin open.
    public func start(_ arguments: [String]) throws -> Running {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = environment
        let input = Pipe()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-proc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        return Running(process: process, input: input, directory: directory)
    }

    /// A started `keel` process. Output goes to files, so a chatty child never blocks on a pipe.
    public final class Running: @unchecked Sendable {
        // Safe to share: Process and Pipe are only touched through their own thread-safe APIs here.
        public let process: Process
        public let input: Pipe
        let directory: URL

        init(process: Process, input: Pipe, directory: URL) {
            self.process = process
            self.input = input
            self.directory = directory
        }

        public var stdoutSoFar: String { read("stdout") }
        public var stderrSoFar: String { read("stderr") }

        public func send(_ text: String) {
            input.fileHandleForWriting.write(Data(text.utf8))
        }

        /// Waits for exit (killing the process after `timeout`) and returns its output.
        public func wait(timeout: Duration) async -> Result {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while process.isRunning, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            process.waitUntilExit()
            defer { try? FileManager.default.removeItem(at: directory) }
            return Result(status: process.terminationStatus, stdout: read("stdout"), stderr: read("stderr"))
        }

        /// Waits until `predicate` holds for stdout, or `timeout`; returns whether it did.
        public func waitForOutput(timeout: Duration, _ predicate: (String) -> Bool) async -> Bool {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while ContinuousClock.now < deadline {
                if predicate(stdoutSoFar) { return true }
                if !process.isRunning { return predicate(stdoutSoFar) }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return false
        }

        public func kill(signal: Int32 = SIGKILL) {
            Foundation.kill(process.processIdentifier, signal)
        }

        private func read(_ name: String) -> String {
            (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }
    }
}
