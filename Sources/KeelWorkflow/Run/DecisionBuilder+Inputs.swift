import KeelCore
import KeelExpressions

extension DecisionBuilder {
    /// The step's fields with every template rendered against the run context. A path that names
    /// nothing fails the step with code `template`, naming the step and the path.
    func renderInput(_ step: StepDefinition, in context: RunContext) throws(StepError) -> JSONValue {
        let templates = kinds[step.kind]?.templates ?? []
        var input: [String: JSONValue] = [:]
        for (key, value) in step.config {
            guard templates.contains(key) else {
                input[key] = value
                continue
            }
            do {
                input[key] = try Template(parsing: value).render(in: context)
            } catch let error as TemplateError {
                throw StepError(code: "template", message: "step \(step.id), field \(key): \(error)")
            } catch {
                throw StepError(code: "template", message: "step \(step.id), field \(key): \(error)")
            }
        }
        return .object(input)
    }

    func resolve(_ source: ValueSource, in context: RunContext) throws(StepError) -> JSONValue {
        switch source {
        case .template(let template):
            do {
                return try template.render(in: context)
            } catch {
                throw StepError(code: "template", message: "\(error)")
            }
        case .expression(let text):
            return try Self.evaluate(text, context.json)
        }
    }

    /// The output of a deterministic kind.
    static func compute(_ step: StepDefinition, input: JSONValue, context: RunContext) throws(StepError) -> JSONValue {
        switch step.kind {
        case "set":
            return input["value"] ?? .null
        case "transform":
            guard let expression = input["expression"]?.stringValue else {
                throw StepError(code: "transform", message: "step \(step.id) has no expression")
            }
            return try evaluate(expression, context.json)
        default:
            throw StepError(code: "kind", message: "step kind \(step.kind) is not computed by the decider")
        }
    }

    static func evaluate(_ text: String, _ document: JSONValue) throws(StepError) -> JSONValue {
        do {
            return try JMESPathExpression(text).evaluate(document)
        } catch {
            throw StepError(code: "expression", message: "JMESPath '\(text)': \(error.message)")
        }
    }
}
