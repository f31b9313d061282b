import KeelCore

/// The checks that need the whole definition: unique ids, `dependsOn` references and cycles, jump
/// targets and guards, and template references (a step may read only steps that finish before it).
enum DefinitionChecks {
    static let contextRoots: Set<String> = ["params", "input", "run", "steps", "item", "index"]

    static func check(_ definition: WorkflowDefinition, kinds: StepKinds) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        let steps = definition.steps
        var indexByID: [String: Int] = [:]
        for (index, step) in steps.enumerated() {
            if indexByID[step.id] != nil {
                issues.append(DefinitionIssue("/steps/\(index)/id", "duplicate step id '\(step.id)'"))
            } else {
                indexByID[step.id] = index
            }
        }
        let sequential = definition.isSequential
        for (index, step) in steps.enumerated() {
            for (position, dependency) in (step.dependsOn ?? []).enumerated() {
                let pointer = "/steps/\(index)/dependsOn/\(position)"
                if dependency == step.id {
                    issues.append(DefinitionIssue(pointer, "a step cannot depend on itself"))
                } else if indexByID[dependency] == nil {
                    issues.append(DefinitionIssue(pointer, "unknown step '\(dependency)'"))
                }
            }
            if let jump = step.jump {
                let pointer = "/steps/\(index)/jump"
                if !sequential {
                    issues.append(DefinitionIssue(pointer, "jumps are for sequential workflows; this one uses dependsOn"))
                } else if let target = jump.to {
                    if let targetIndex = indexByID[target] {
                        if targetIndex <= index && jump.maxIterations == nil {
                            issues.append(DefinitionIssue(pointer + "/maxIterations", "a backward jump needs maxIterations"))
                        }
                    } else {
                        issues.append(DefinitionIssue(pointer + "/to", "unknown step '\(target)'"))
                    }
                }
            }
        }
        guard issues.isEmpty else { return issues }
        if let cycle = findCycle(steps) {
            return [
                DefinitionIssue(
                    "/steps/\(cycle.first ?? 0)/dependsOn", "dependsOn has a cycle: \(cycle.map { steps[$0].id }.joined(separator: " → "))")
            ]
        }
        let ancestors = ancestorSets(steps, indexByID: indexByID)
        let known = Set(indexByID.keys)
        for (index, step) in steps.enumerated() {
            for (pointer, placeholders) in placeholderSites(step, index: index, kinds: kinds) {
                for placeholder in placeholders {
                    for case .path(let path) in placeholder.alternatives {
                        if let message = referenceProblem(path, known: known, allowed: ancestors[index], inForEach: step.forEach != nil) {
                            issues.append(DefinitionIssue(pointer, "{{\(placeholder.text)}}: \(message)"))
                        }
                    }
                }
            }
        }
        if let output = definition.output, let template = try? Template(parsing: output) {
            for placeholder in template.placeholders {
                for case .path(let path) in placeholder.alternatives {
                    if let message = referenceProblem(path, known: known, allowed: known, inForEach: false) {
                        issues.append(DefinitionIssue("/output", "{{\(placeholder.text)}}: \(message)"))
                    }
                }
            }
        }
        return issues
    }

    static func referenceProblem(_ path: ContextPath, known: Set<String>, allowed: Set<String>, inForEach: Bool) -> String? {
        if let step = path.referencedStep(knownSteps: known) {
            if !known.contains(step) { return "unknown step '\(step)'" }
            if !allowed.contains(step) { return "step '\(step)' does not finish before this step" }
            return nil
        }
        if !contextRoots.contains(path.root) {
            if case .member(let field)? = path.components.first, ["result", "output"].contains(field) {
                return "unknown step '\(path.root)'"
            }
            return "unknown name '\(path.root)' (params, input, run, steps, item, index or a step id)"
        }
        if (path.root == "item" || path.root == "index") && !inForEach { return "'\(path.root)' exists only in a forEach step" }
        return nil
    }

    /// Every template site of a step with its pointer.
    static func placeholderSites(_ step: StepDefinition, index: Int, kinds: StepKinds) -> [(String, [Placeholder])] {
        let base = "/steps/\(index)"
        var sites: [(String, [Placeholder])] = []
        for key in (kinds[step.kind]?.templates ?? []).sorted() {
            if let value = step.config[key], let template = try? Template(parsing: value) {
                sites.append((base + "/" + key, template.placeholders))
            }
        }
        if let condition = step.condition { sites.append((base + "/condition", condition.placeholders)) }
        if let when = step.jump?.when { sites.append((base + "/jump/when", when.placeholders)) }
        if case .template(let template)? = step.forEach?.items { sites.append((base + "/forEach/items", template.placeholders)) }
        if let key = step.cache?.key { sites.append((base + "/cache/key", key.placeholders)) }
        return sites
    }

    /// The steps each step waits for directly: its `dependsOn`, else the step before it.
    static func predecessors(_ steps: [StepDefinition], indexByID: [String: Int]) -> [[Int]] {
        steps.enumerated().map { index, step in
            if let dependsOn = step.dependsOn { return dependsOn.compactMap { indexByID[$0] } }
            return index > 0 ? [index - 1] : []
        }
    }

    static func ancestorSets(_ steps: [StepDefinition], indexByID: [String: Int]) -> [Set<String>] {
        let direct = predecessors(steps, indexByID: indexByID)
        var memo: [Int: Set<Int>] = [:]
        func ancestors(_ index: Int) -> Set<Int> {
            if let known = memo[index] { return known }
            var result = Set<Int>()
            var stack = direct[index]
            while let next = stack.popLast() {
                if result.insert(next).inserted { stack += direct[next] }
            }
            memo[index] = result
            return result
        }
        return steps.indices.map { Set(ancestors($0).map { steps[$0].id }) }
    }

    /// A cycle in the wait-for graph, as step indices, or `nil`.
    static func findCycle(_ steps: [StepDefinition]) -> [Int]? {
        var indexByID: [String: Int] = [:]
        for (index, step) in steps.enumerated() where indexByID[step.id] == nil { indexByID[step.id] = index }
        let direct = predecessors(steps, indexByID: indexByID)
        var state = [UInt8](repeating: 0, count: steps.count)  // 0 new, 1 on the path, 2 done
        var path: [Int] = []
        func visit(_ node: Int) -> [Int]? {
            state[node] = 1
            path.append(node)
            for next in direct[node] {
                if state[next] == 1, let start = path.firstIndex(of: next) { return Array(path[start...]) + [next] }
                if state[next] == 0, let cycle = visit(next) { return cycle }
            }
            path.removeLast()
            state[node] = 2
            return nil
        }
        for node in steps.indices where state[node] == 0 {
            if let cycle = visit(node) { return cycle }
        }
        return nil
    }
}

extension DefinitionChecks {
    /// The steps that wait directly for `id`.
    static func dependents(of id: String, in definition: WorkflowDefinition) -> [StepDefinition] {
        guard let index = definition.index(of: id) else { return [] }
        return definition.steps.enumerated().compactMap { position, step in
            if let dependsOn = step.dependsOn { return dependsOn.contains(id) ? step : nil }
            return position == index + 1 ? step : nil
        }
    }

    /// The steps `step` waits for directly: its `dependsOn`, else the step before it.
    static func predecessors(of step: StepDefinition, in definition: WorkflowDefinition) -> [String] {
        if let dependsOn = step.dependsOn { return dependsOn }
        guard let index = definition.index(of: step.id), index > 0 else { return [] }
        return [definition.steps[index - 1].id]
    }
}
