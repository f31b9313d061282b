import KeelCore

/// What templates, conditions and expressions of one step see: the run's parameters, the finished
/// steps' outputs, the current `forEach` element, and the run's identity.
///
/// As JSON (for JMESPath): `{"params": …, "input": …, "steps": {"<id>": {"status", "output", "error"}},
/// "item": …, "index": …, "run": {"id", "workflowId", "version", "tenant"}}`. Templates also accept
/// Linq's shorthand `stepN.result…` for `steps.stepN.output…` (`result` and `output` are synonyms).
public struct RunContext: Sendable {
    public var params: JSONValue
    public var steps: [String: StepView]
    public var item: JSONValue?
    public var index: Int?
    public var run: JSONValue

    public struct StepView: Sendable, Hashable {
        public var status: String
        public var output: JSONValue?
        public var error: JSONValue?

        public init(status: String, output: JSONValue? = nil, error: JSONValue? = nil) {
            self.status = status
            self.output = output
            self.error = error
        }

        var json: JSONValue {
            var members: [String: JSONValue] = ["status": .string(status)]
            if let output { members["output"] = output }
            if let error { members["error"] = error }
            return .object(members)
        }
    }

    public init(params: JSONValue, steps: [String: StepView] = [:], item: JSONValue? = nil, index: Int? = nil, run: JSONValue = .object([:])) {
        self.params = params
        self.steps = steps
        self.item = item
        self.index = index
        self.run = run
    }

    /// The context as one JSON document, for JMESPath.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "params": params, "input": params, "run": run,
            "steps": .object(steps.mapValues(\.json)),
        ]
        if let item { members["item"] = item }
        if let index { members["index"] = .int(Int64(index)) }
        return .object(members)
    }

    /// The first alternative of the placeholder that resolves, or the last one's error.
    public func resolve(_ placeholder: Placeholder) throws(TemplateError) -> JSONValue {
        var lastError: TemplateError?
        for alternative in placeholder.alternatives {
            switch alternative {
            case .literal(let value): return value
            case .path(let path):
                switch value(at: path) {
                case .success(let value): return value
                case .failure(let reason):
                    lastError = TemplateError(placeholder: placeholder.text, path: path.description, reason: reason.message)
                }
            }
        }
        throw lastError ?? TemplateError(placeholder: placeholder.text, path: "", reason: "nothing to resolve")
    }

    /// Resolves a path; a missing member says which one.
    public func value(at path: ContextPath) -> Result<JSONValue, PathFailure> {
        var rest = path.components[...]
        let start: JSONValue
        switch path.root {
        case "params", "input": start = params
        case "run": start = run
        case "item":
            guard let item else { return .failure(PathFailure("'item' exists only inside a forEach step")) }
            start = item
        case "index":
            guard let index else { return .failure(PathFailure("'index' exists only inside a forEach step")) }
            start = .int(Int64(index))
        case "steps":
            guard case .member(let id)? = rest.first else {
                return .failure(PathFailure("'steps' must be followed by a step id"))
            }
            rest = rest.dropFirst()
            switch stepValue(id, &rest) {
            case .success(let value): start = value
            case .failure(let failure): return .failure(failure)
            }
        default:
            guard steps[path.root] != nil || rest.first.map(Self.isStepField) == true else {
                return .failure(PathFailure("unknown name '\(path.root)'"))
            }
            switch stepValue(path.root, &rest) {
            case .success(let value): start = value
            case .failure(let failure): return .failure(failure)
            }
        }
        var current = start
        var walked = path.root
        for component in rest {
            switch component {
            case .member(let name):
                guard case .object(let members) = current, let next = members[name] else {
                    return .failure(PathFailure("no member '\(name)' in \(walked)"))
                }
                current = next
                walked += "." + name
            case .index(let index):
                guard case .array(let elements) = current else {
                    return .failure(PathFailure("\(walked) is not a list"))
                }
                let position = index < 0 ? elements.count + index : index
                guard position >= 0, position < elements.count else {
                    return .failure(PathFailure("index \(index) is outside \(walked) (\(elements.count) elements)"))
                }
                current = elements[position]
                walked += "[\(index)]"
            }
        }
        return .success(current)
    }

    static func isStepField(_ component: ContextPath.Component) -> Bool {
        guard case .member(let name) = component else { return false }
        return ["result", "output", "status", "error"].contains(name)
    }

    func stepValue(_ id: String, _ rest: inout ArraySlice<ContextPath.Component>) -> Result<JSONValue, PathFailure> {
        guard let view = steps[id] else { return .failure(PathFailure("step '\(id)' has not run")) }
        guard case .member(let field)? = rest.first else { return .success(view.json) }
        rest = rest.dropFirst()
        switch field {
        case "result", "output":
            guard let output = view.output else {
                return .failure(PathFailure("step '\(id)' has no result (\(view.status))"))
            }
            return .success(output)
        case "status": return .success(.string(view.status))
        case "error": return .success(view.error ?? .null)
        default: return .failure(PathFailure("step '\(id)' has no field '\(field)' (result, output, status, error)"))
        }
    }
}

/// Why a path named nothing.
public struct PathFailure: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
