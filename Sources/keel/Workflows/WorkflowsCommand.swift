import ArgumentParser
import Foundation
import KeelCore

/// Where workflow commands send their requests: the `keel serve` holding the embedded directory,
/// acting as the local operator in the given tenant. Workflows live in the server (the executor
/// role); there is no in-process fallback.
struct WorkflowTarget: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @Option(help: "The tenant to act in. Env KEEL_TENANT.") var tenant: String?

    func client() throws -> (LocalServerClient, String) {
        guard let tenant = tenant ?? ProcessInfo.processInfo.environment["KEEL_TENANT"], !tenant.isEmpty else {
            throw CLIFailure.usage("--tenant is required (or KEEL_TENANT)")
        }
        guard let server = try LocalServer.find(for: global) else {
            throw CLIFailure.usage("no keel serve holds this directory: start `keel serve` (workflows run in its executor role)")
        }
        return (LocalServerClient(server: server), tenant)
    }
}

/// `keel workflows apply FILE… | list | versions ID`.
struct WorkflowsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflows", abstract: "Register and list workflow definitions (Keel's JSON or a Linq request).",
        subcommands: [Apply.self, List.self, Versions.self])

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register each file as the workflow's next version.")
        @OptionGroup var target: WorkflowTarget
        @Option(help: "What changed, recorded with the version.") var change: String?
        @Argument(help: "Definition files (JSON).") var files: [String]

        func run() async throws {
            let (client, tenant) = try target.client()
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: file) else { throw CLIFailure.usage("cannot read \(file)") }
                guard case .object(var document) = try JSONValue.parse(Array(bytes)) else {
                    throw CLIFailure.usage("\(file): a definition is a JSON object")
                }
                if let change { document["changeDescription"] = .string(change) }
                let version = try await client.call(.POST, "/v1/workflows", body: .object(document), tenant: tenant)
                Output.line("\(file): \(version["workflowId"]?.stringValue ?? "?") version \(version["version"]?.jsonString ?? "?")")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The tenant's workflows (latest versions), as JSON.")
        @OptionGroup var target: WorkflowTarget

        func run() async throws {
            let (client, tenant) = try target.client()
            Output.line(try await client.call(.GET, "/v1/workflows", tenant: tenant).jsonString)
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A workflow's versions with their change descriptions, as JSON.")
        @OptionGroup var target: WorkflowTarget
        @Argument var id: String

        func run() async throws {
            let (client, tenant) = try target.client()
            Output.line(try await client.call(.GET, "/v1/workflows/\(LocalServerClient.segment(id))/versions", tenant: tenant).jsonString)
        }
    }
}

/// `keel runs start|list|show|history|cancel|terminate|pause|resume|retry`.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Start, watch and control workflow runs.",
        subcommands: [Start.self, List.self, Show.self, History.self, Control.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a run; with --wait, print its result when it ends in time.")
        @OptionGroup var target: WorkflowTarget
        @Argument(help: "The workflow id.") var workflow: String
        @Option(help: "The run's input, a JSON object.") var input: String = "{}"
        @Option(name: .customLong("idempotency-key"), help: "The same key starts the same run once.") var idempotencyKey: String?
        @Option(help: "Wait for the result this long (e.g. 30s; at most 60s).") var wait: String?

        func run() async throws {
            let (client, tenant) = try target.client()
            guard case .object = try? JSONValue.parse(input) else { throw CLIFailure.usage("--input must be a JSON object") }
            var body: [String: JSONValue] = ["input": try JSONValue.parse(input)]
            if let idempotencyKey { body["idempotencyKey"] = .string(idempotencyKey) }
            let query = wait.map { "?wait=\($0)" } ?? ""
            Output.line(
                try await client.call(.POST, "/v1/workflows/\(LocalServerClient.segment(workflow))/runs\(query)", body: .object(body), tenant: tenant)
                    .jsonString)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Runs, newest first, as JSON.")
        @OptionGroup var target: WorkflowTarget
        @Option var workflow: String?
        @Option var status: String?

        func run() async throws {
            let (client, tenant) = try target.client()
            var items: [String] = []
            if let workflow { items.append("workflow=\(LocalServerClient.segment(workflow))") }
            if let status { items.append("status=\(LocalServerClient.segment(status))") }
            Output.line(
                try await client.call(.GET, "/v1/runs" + (items.isEmpty ? "" : "?" + items.joined(separator: "&")), tenant: tenant).jsonString)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One run: status, steps, timings, output.")
        @OptionGroup var target: WorkflowTarget
        @Argument var run: String

        func run() async throws {
            let (client, tenant) = try target.client()
            Output.line(try await client.call(.GET, "/v1/runs/\(LocalServerClient.segment(run))", tenant: tenant).jsonString)
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A run's events, in order.")
        @OptionGroup var target: WorkflowTarget
        @Argument var run: String

        func run() async throws {
            let (client, tenant) = try target.client()
            Output.line(try await client.call(.GET, "/v1/runs/\(LocalServerClient.segment(run))/history", tenant: tenant).jsonString)
        }
    }

    struct Control: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "control", abstract: "cancel, terminate, pause, resume or retry a run.")
        @OptionGroup var target: WorkflowTarget
        @Argument(help: "cancel, terminate, pause, resume or retry") var action: String
        @Argument var run: String
        @Option var reason: String?

        func run() async throws {
            guard ["cancel", "terminate", "pause", "resume", "retry"].contains(action) else {
                throw CLIFailure.usage("unknown action '\(action)' (cancel, terminate, pause, resume, retry)")
            }
            let (client, tenant) = try target.client()
            let body: JSONValue = .object(reason.map { ["reason": .string($0)] } ?? [:])
            Output.line(try await client.call(.POST, "/v1/runs/\(LocalServerClient.segment(run))/\(action)", body: body, tenant: tenant).jsonString)
        }
    }
}
