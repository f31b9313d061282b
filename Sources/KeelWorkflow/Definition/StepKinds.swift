import KeelCore
import KeelExpressions

/// What the registration check knows about one step kind: its fields, which of them are templates
/// or JMESPath, and any further rule. The executor registers how to *run* a kind separately
/// (`KeelExecutor.StepRunner`); both registries are keyed by the kind's name, so a new kind
/// (`llm`, `wait_event`, `approval`, tools) plugs in without touching the engine.
public struct StepKindSpec: Sendable {
    public var name: String
    /// The output is a function of the run context alone (no side effect, no clock): the executor
    /// computes it inline and records only its completion.
    public var isDeterministic: Bool
    public var required: Set<String>
    public var optional: Set<String>
    /// Fields parsed as templates (their placeholders are checked against the steps).
    public var templates: Set<String>
    /// Fields that must be valid JMESPath.
    public var expressions: Set<String>
    /// Further checks on the kind's fields; `pointer` is the step's pointer.
    public var check: @Sendable (_ config: [String: JSONValue], _ pointer: String) -> [DefinitionIssue]

    public init(
        name: String, isDeterministic: Bool, required: Set<String>, optional: Set<String> = [],
        templates: Set<String> = [], expressions: Set<String> = [],
        check: @escaping @Sendable ([String: JSONValue], String) -> [DefinitionIssue] = { _, _ in [] }
    ) {
        self.name = name
        self.isDeterministic = isDeterministic
        self.required = required
        self.optional = optional
        self.templates = templates
        self.expressions = expressions
        self.check = check
    }
}

/// The step kinds a definition may use.
public struct StepKinds: Sendable {
    public private(set) var specs: [String: StepKindSpec]

    public init(_ specs: [StepKindSpec]) {
        self.specs = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    public func registering(_ spec: StepKindSpec) -> StepKinds {
        var copy = self
        copy.specs[spec.name] = spec
        return copy
    }

    public subscript(name: String) -> StepKindSpec? { specs[name] }

    public static let builtIn = StepKinds([
        StepKindSpec(name: "set", isDeterministic: true, required: ["value"], templates: ["value"]),
        StepKindSpec(name: "transform", isDeterministic: true, required: ["expression"], expressions: ["expression"]),
        StepKindSpec(
            name: "http", isDeterministic: false, required: [],
            optional: ["method", "url", "service", "path", "headers", "query", "body", "expect"],
            templates: ["url", "path", "headers", "query", "body"], check: checkHTTP),
        StepKindSpec(
            name: "emit", isDeterministic: false, required: ["topic", "type"], optional: ["data", "subject"],
            templates: ["data", "subject"], check: checkEmit),
        StepKindSpec(
            name: "sleep", isDeterministic: false, required: [], optional: ["duration", "until"],
            templates: ["until"], check: checkSleep),
        StepKindSpec(
            name: "workflow", isDeterministic: false, required: ["workflow"], optional: ["version", "input"],
            templates: ["input"], check: checkChild),
    ])

    static let httpMethods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    static func checkHTTP(_ config: [String: JSONValue], _ pointer: String) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        if config["url"] == nil && config["service"] == nil {
            issues.append(DefinitionIssue(pointer, "an http step needs 'url', or 'service' and 'path'"))
        }
        if let method = config["method"] {
            if !(method.stringValue.map { httpMethods.contains($0.uppercased()) } ?? false) {
                issues.append(DefinitionIssue(pointer + "/method", "method must be one of \(httpMethods.sorted().joined(separator: ", "))"))
            }
        }
        for key in ["url", "path", "service"] {
            if let value = config[key], value.stringValue == nil {
                issues.append(DefinitionIssue(pointer + "/" + key, "\(key) must be a string"))
            }
        }
        if let expect = config["expect"] {
            let codes = expect.arrayValue?.compactMap(\.intValue) ?? []
            if expect.arrayValue?.count != codes.count || codes.isEmpty || codes.contains(where: { !(100...599).contains($0) }) {
                issues.append(DefinitionIssue(pointer + "/expect", "expect must be a non-empty list of HTTP status codes"))
            }
        }
        if let headers = config["headers"], headers.objectValue == nil {
            issues.append(DefinitionIssue(pointer + "/headers", "headers must be an object"))
        }
        return issues
    }

    static func checkEmit(_ config: [String: JSONValue], _ pointer: String) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        for key in ["topic", "type"] where !(config[key]?.stringValue.map { !$0.isEmpty && !$0.contains("{{") } ?? true) {
            issues.append(DefinitionIssue(pointer + "/" + key, "\(key) must be a literal, non-empty string"))
        }
        return issues
    }

    static func checkSleep(_ config: [String: JSONValue], _ pointer: String) -> [DefinitionIssue] {
        switch (config["duration"], config["until"]) {
        case (nil, nil), (.some, .some):
            return [DefinitionIssue(pointer, "a sleep step needs exactly one of 'duration' and 'until'")]
        case (let duration?, nil):
            guard let text = duration.stringValue, DurationText.milliseconds(text) != nil else {
                return [DefinitionIssue(pointer + "/duration", "duration must look like 250ms, 30s, 5m, 2h or 7d")]
            }
            return []
        case (nil, .some):
            return []
        }
    }

    static func checkChild(_ config: [String: JSONValue], _ pointer: String) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        if !(config["workflow"]?.stringValue.map { !$0.isEmpty } ?? false) {
            issues.append(DefinitionIssue(pointer + "/workflow", "workflow must be a workflow id"))
        }
        if let version = config["version"], !(version.intValue.map { $0 >= 1 } ?? false) {
            issues.append(DefinitionIssue(pointer + "/version", "version must be an integer ≥ 1"))
        }
        return issues
    }
}
