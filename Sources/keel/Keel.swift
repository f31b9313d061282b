import ArgumentParser
import Foundation

/// `keel`: one binary for every role and every operator task.
///
/// Exit codes: 0 success, 1 runtime failure (broker down, I/O), 2 usage or validation error.
@main
struct Keel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keel",
        abstract: "Keel: an event-sourced platform for agents, workflows, assistants and calls.",
        discussion: "Every action is a CloudEvent on a topic. Exit codes: 0 ok, 1 runtime failure, 2 usage or validation error.",
        subcommands: [
            TopicsCommand.self, ProduceCommand.self, TailCommand.self, BenchCommand.self, ServeCommand.self, DemoCommand.self,
            ProjectionsCommand.self, ReplayCommand.self, DLQCommand.self, WorkflowsCommand.self, RunsCommand.self,
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data("keel: \(failure.message)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            // Parsing and validation problems are usage errors: exit 2, whatever ArgumentParser's default.
            let isUsage = code == .validationFailure || error is ValidationError
            FileHandle.standardError.write(Data("\(fullMessage(for: error))\n".utf8))
            Foundation.exit(isUsage ? 2 : 1)
        }
    }
}

/// An error the CLI reports in one line, with the exit code it implies.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32

    static func usage(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 2) }
    static func runtime(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 1) }

    var description: String { message }
}
