import KeelCore
import KeelExpressions

extension WorkflowDefinition {
    /// Parses and checks a definition in Keel's format, or a Linq request (a document with `query`
    /// and `link`), collecting every problem with a pointer to its field.
    ///
    /// `id` overrides the document's `id` (the route's path parameter); it is required one way or
    /// the other.
    public static func parse(_ document: JSONValue, id: String? = nil, kinds: StepKinds = .builtIn) throws(DefinitionError)
        -> WorkflowDefinition
    {
        if document["query"] != nil || document["link"] != nil {
            return try LinqImport.definition(from: document, id: id, kinds: kinds)
        }
        var parser = DefinitionParser(kinds: kinds)
        let definition = parser.parse(document, id: id)
        guard parser.issues.isEmpty, let definition else { throw DefinitionError(parser.issues) }
        let structural = DefinitionChecks.check(definition, kinds: kinds)
        guard structural.isEmpty else { throw DefinitionError(structural) }
        return definition
    }

    /// Identifiers of workflows and steps: letters, digits, `_`, `-`, `.`; 1–128 characters.
    public static func isValidIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 128
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }
}

/// Reads Keel's definition format field by field; problems are collected, not thrown, so one
/// answer names them all.
struct DefinitionParser {
    let kinds: StepKinds
    var issues: [DefinitionIssue] = []

    static let topFields: Set<String> = ["id", "name", "description", "onFailure", "deadline", "output", "steps", "changeDescription"]
    static let commonStepFields: Set<String> = [
        "id", "kind", "description", "condition", "dependsOn", "join", "jump", "forEach", "retry", "timeout", "timeouts", "cache",
    ]

    init(kinds: StepKinds) { self.kinds = kinds }

    mutating func parse(_ document: JSONValue, id pathID: String?) -> WorkflowDefinition? {
        guard case .object(let members) = document else {
            issues.append(DefinitionIssue("", "a workflow definition must be a JSON object"))
            return nil
        }
        for key in members.keys.sorted() where !Self.topFields.contains(key) {
            issues.append(DefinitionIssue("/" + JSONPointer.escape(key), "unknown field '\(key)'"))
        }
        let id = pathID ?? string(members["id"], "/id", required: true)
        if let id, !WorkflowDefinition.isValidIdentifier(id) {
            issues.append(DefinitionIssue("/id", "a workflow id is 1–128 letters, digits, '_', '-' or '.'"))
        }
        if let pathID, let bodyID = members["id"]?.stringValue, bodyID != pathID {
            issues.append(DefinitionIssue("/id", "the body's id '\(bodyID)' differs from the path's '\(pathID)'"))
        }
        let name = string(members["name"], "/name", required: false) ?? id ?? ""
        let description = string(members["description"], "/description", required: false)
        var onFailure = FailurePolicy.pause
        if let value = members["onFailure"] {
            if let text = value.stringValue, let policy = FailurePolicy(rawValue: text) {
                onFailure = policy
            } else {
                issues.append(DefinitionIssue("/onFailure", "onFailure must be 'pause' or 'fail'"))
            }
        }
        let deadline = duration(members["deadline"], "/deadline")
        var output: JSONValue?
        if let value = members["output"] {
            output = value
            template(value, "/output")
        }
        var steps: [StepDefinition] = []
        if let rawSteps = members["steps"] {
            if let elements = rawSteps.arrayValue, !elements.isEmpty {
                for (index, element) in elements.enumerated() {
                    if let step = parseStep(element, "/steps/\(index)") { steps.append(step) }
                }
            } else {
                issues.append(DefinitionIssue("/steps", "steps must be a non-empty list"))
            }
        } else {
            issues.append(DefinitionIssue("/steps", "missing required field 'steps'"))
        }
        guard let id else { return nil }
        return WorkflowDefinition(
            id: id, name: name, description: description, onFailure: onFailure, deadlineMs: deadline, output: output,
            steps: steps, format: .keel, source: document)
    }

    mutating func parseStep(_ value: JSONValue, _ pointer: String) -> StepDefinition? {
        guard case .object(let members) = value else {
            issues.append(DefinitionIssue(pointer, "a step must be an object"))
            return nil
        }
        guard let id = string(members["id"], pointer + "/id", required: true) else { return nil }
        if !WorkflowDefinition.isValidIdentifier(id) {
            issues.append(DefinitionIssue(pointer + "/id", "a step id is 1–128 letters, digits, '_', '-' or '.'"))
        }
        guard let kindName = string(members["kind"], pointer + "/kind", required: true) else { return nil }
        guard let spec = kinds[kindName] else {
            let known = kinds.specs.keys.sorted().joined(separator: ", ")
            issues.append(DefinitionIssue(pointer + "/kind", "unknown step kind '\(kindName)' (known: \(known))"))
            return nil
        }
        var config: [String: JSONValue] = [:]
        for (key, member) in members where !Self.commonStepFields.contains(key) {
            guard
                spec.required.contains(key) || spec.optional.contains(key) || spec.templates.contains(key)
                    || spec.expressions.contains(key)
            else {
                issues.append(DefinitionIssue(pointer + "/" + JSONPointer.escape(key), "unknown field '\(key)' for a \(kindName) step"))
                continue
            }
            config[key] = member
        }
        for key in spec.required.sorted() where config[key] == nil {
            issues.append(DefinitionIssue(pointer + "/" + key, "missing required field '\(key)' for a \(kindName) step"))
        }
        for key in spec.templates.sorted() { if let member = config[key] { template(member, pointer + "/" + key) } }
        for key in spec.expressions.sorted() { if let member = config[key] { expression(member, pointer + "/" + key) } }
        issues += spec.check(config, pointer)

        var step = StepDefinition(id: id, kind: kindName, config: config)
        step.description = string(members["description"], pointer + "/description", required: false)
        step.condition = condition(members["condition"], pointer + "/condition")
        if let raw = members["dependsOn"] {
            if let list = raw.arrayValue, list.allSatisfy({ $0.stringValue != nil }) {
                step.dependsOn = list.compactMap(\.stringValue)
            } else {
                issues.append(DefinitionIssue(pointer + "/dependsOn", "dependsOn must be a list of step ids"))
            }
        }
        if let raw = members["join"] {
            if let policy = raw.stringValue.flatMap(JoinPolicy.init(rawValue:)) {
                step.join = policy
            } else {
                issues.append(DefinitionIssue(pointer + "/join", "join must be 'fail-fast' or 'collect-all'"))
            }
        }
        step.jump = jump(members["jump"], pointer + "/jump")
        step.forEach = forEach(members["forEach"], pointer + "/forEach")
        step.retry = retry(members["retry"], pointer + "/retry")
        step.timeouts = timeouts(members, pointer)
        step.cache = cache(members["cache"], pointer + "/cache")
        return step
    }
}
