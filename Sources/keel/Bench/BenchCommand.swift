import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks, each measured against a reference in the same run (build with -c release).",
        subcommands: [
            LogBenchCommand.self, ReplayBenchCommand.self, IngestBenchCommand.self, StreamBenchCommand.self, WorkflowBenchCommand.self,
        ]
    )
}
