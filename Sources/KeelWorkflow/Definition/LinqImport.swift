import Foundation
import KeelCore

/// Imports a Linq request (`{link, query{…, workflow:[…]}}`) as a workflow, as is.
///
/// Mapping (docs/workflows.md, "Linq"): step `n` becomes step id `stepN`, so `{{stepN.result…}}`
/// reads as in Linq; a step whose `target` is `api-gateway`/`linqra-gateway` or a named service is an
/// `http` step (`action` → method: fetch GET, create POST, update PUT, patch PATCH, delete DELETE;
/// `intent` → path with `{var}` taken from the step's params, the other params → query string,
/// `payload` → body); a target that is an LLM category needs the `llm` step kind; `condition`, `jump`
/// (`targetStep` 0 or null stops the run) and `cacheConfig` keep their meaning. `query.params` are
/// the run's default parameters. Linq runs steps strictly in order, so an import is sequential.
enum LinqImport {
    static let methods = [
        "fetch": "GET", "create": "POST", "update": "PUT", "patch": "PATCH", "delete": "DELETE", "head": "HEAD", "options": "OPTIONS",
    ]
    static let gatewayTargets: Set<String> = ["api-gateway", "linqra-gateway"]

    static func definition(from document: JSONValue, id pathID: String?, kinds: StepKinds) throws(DefinitionError) -> WorkflowDefinition {
        var issues: [DefinitionIssue] = []
        guard case .object(let query)? = document["query"] else {
            throw DefinitionError([DefinitionIssue("/query", "a Linq request needs a 'query' object")])
        }
        if let target = document["link"]?["target"]?.stringValue, target != "workflow" {
            issues.append(DefinitionIssue("/link/target", "only link.target 'workflow' describes a workflow (got '\(target)')"))
        }
        guard let id = pathID ?? query["workflowId"]?.stringValue ?? document["id"]?.stringValue else {
            throw DefinitionError([DefinitionIssue("/query/workflowId", "a Linq workflow needs an id (the path's, or query.workflowId)")])
        }
        guard let rawSteps = query["workflow"]?.arrayValue, !rawSteps.isEmpty else {
            throw DefinitionError([DefinitionIssue("/query/workflow", "query.workflow must be a non-empty list of steps")])
        }
        let globalParams = query["params"]?.objectValue ?? [:]
        var steps: [StepDefinition] = []
        for (index, raw) in rawSteps.enumerated() {
            let pointer = "/query/workflow/\(index)"
            if let step = self.step(raw, position: index + 1, pointer: pointer, kinds: kinds, issues: &issues) { steps.append(step) }
        }
        guard issues.isEmpty else { throw DefinitionError(issues) }
        let name = query["summary"]?.stringValue ?? query["description"]?.stringValue ?? id
        var definition = WorkflowDefinition(
            id: id, name: name, description: query["description"]?.stringValue, steps: steps, format: .linq, source: document)
        definition.defaultParams = globalParams
        let structural = DefinitionChecks.check(definition, kinds: kinds).map { issue in
            DefinitionIssue(issue.pointer.replacingPrefix("/steps/", with: "/query/workflow/"), issue.message)
        }
        guard structural.isEmpty else { throw DefinitionError(structural) }
        return definition
    }

    static func step(_ raw: JSONValue, position: Int, pointer: String, kinds: StepKinds, issues: inout [DefinitionIssue]) -> StepDefinition? {
        guard case .object(let fields) = raw else {
            issues.append(DefinitionIssue(pointer, "a step must be an object"))
            return nil
        }
        let number = fields["step"]?.intValue.map(Int.init) ?? position
        if number != position {
            issues.append(DefinitionIssue(pointer + "/step", "steps are numbered 1, 2, 3… in order (expected \(position))"))
        }
        guard let target = fields["target"]?.stringValue, !target.isEmpty else {
            issues.append(DefinitionIssue(pointer + "/target", "missing required field 'target'"))
            return nil
        }
        let action = fields["action"]?.stringValue ?? "fetch"
        let intent = fields["intent"]?.stringValue ?? ""
        var params = fields["params"]?.objectValue ?? [:]
        var step: StepDefinition
        if target.hasSuffix("-chat") || target.hasSuffix("-embed") || target == "tool" {
            let kind = target == "tool" ? "tool" : "llm"
            guard kinds[kind] != nil else {
                issues.append(
                    DefinitionIssue(pointer + "/target", "target '\(target)' needs the '\(kind)' step kind, which this server does not run yet"))
                return nil
            }
            step = StepDefinition(
                id: "step\(number)", kind: kind, config: fields.filter { !["step", "condition", "jump", "cacheConfig"].contains($0.key) })
        } else {
            guard let method = methods[action] else {
                issues.append(
                    DefinitionIssue(
                        pointer + "/action", "action '\(action)' is not an HTTP action (\(methods.keys.sorted().joined(separator: ", ")))"))
                return nil
            }
            var path = intent
            for (name, value) in params where path.contains("{\(name)}") {
                let text = value.stringValue ?? value.jsonString
                path = path.replacingOccurrences(of: "{\(name)}", with: text)
                params[name] = nil
            }
            var config: [String: JSONValue] = [
                "method": .string(method), "service": .string(gatewayTargets.contains(target) ? "api-gateway" : target), "path": .string(path),
            ]
            if !params.isEmpty { config["query"] = .object(params) }
            if let payload = fields["payload"], method != "GET", method != "HEAD" { config["body"] = payload }
            step = StepDefinition(id: "step\(number)", kind: "http", config: config)
        }
        if let text = fields["condition"]?.stringValue, !text.isEmpty {
            do { step.condition = try Condition(parsing: text) } catch { issues.append(DefinitionIssue(pointer + "/condition", error.message)) }
        }
        if case .object(let jump)? = fields["jump"] {
            let targetStep = jump["targetStep"]?.intValue ?? 0
            var when: Condition?
            if let text = jump["condition"]?.stringValue, !text.isEmpty {
                do { when = try Condition(parsing: text) } catch { issues.append(DefinitionIssue(pointer + "/jump/condition", error.message)) }
            }
            let guardCount = jump["maxIterations"]?.intValue.map(Int.init)
            step.jump = Jump(to: targetStep > 0 ? "step\(targetStep)" : nil, when: when, maxIterations: guardCount)
        }
        if case .object(let cache)? = fields["cacheConfig"], cache["enabled"]?.boolValue == true {
            let ttl = cache["ttl"].flatMap { $0.stringValue.flatMap(DurationText.milliseconds) ?? $0.intValue.map { $0 * 1000 } } ?? 300_000
            let key = cache["key"].flatMap { try? Template(parsing: $0) }
            step.cache = CachePolicy(key: key, ttlMs: ttl)
        }
        return step
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
