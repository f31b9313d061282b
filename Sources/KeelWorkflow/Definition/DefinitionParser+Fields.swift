import KeelCore
import KeelExpressions

extension DefinitionParser {
    mutating func string(_ value: JSONValue?, _ pointer: String, required: Bool) -> String? {
        guard let value else {
            if required { issues.append(DefinitionIssue(pointer, "missing required field '\(pointer.split(separator: "/").last ?? "")'")) }
            return nil
        }
        guard let text = value.stringValue, !text.isEmpty else {
            issues.append(DefinitionIssue(pointer, "must be a non-empty string"))
            return nil
        }
        return text
    }

    mutating func duration(_ value: JSONValue?, _ pointer: String) -> Int64? {
        guard let value else { return nil }
        if let text = value.stringValue, let milliseconds = DurationText.milliseconds(text), milliseconds > 0 { return milliseconds }
        issues.append(DefinitionIssue(pointer, "a duration looks like 250ms, 30s, 5m, 2h or 7d"))
        return nil
    }

    @discardableResult
    mutating func template(_ value: JSONValue, _ pointer: String) -> Template? {
        do {
            return try Template(parsing: value)
        } catch {
            issues.append(DefinitionIssue(pointer, "template: \(error.message)"))
            return nil
        }
    }

    mutating func expression(_ value: JSONValue, _ pointer: String) {
        guard let text = value.stringValue else {
            issues.append(DefinitionIssue(pointer, "must be a JMESPath expression (a string)"))
            return
        }
        do {
            _ = try JMESPathExpression(text)
        } catch {
            issues.append(DefinitionIssue(pointer, "JMESPath: \(error.message)"))
        }
    }

    mutating func condition(_ value: JSONValue?, _ pointer: String) -> Condition? {
        guard let value else { return nil }
        guard let text = value.stringValue, !text.isEmpty else {
            issues.append(DefinitionIssue(pointer, "a condition is a non-empty string"))
            return nil
        }
        do {
            return try Condition(parsing: text)
        } catch {
            issues.append(DefinitionIssue(pointer, error.message))
            return nil
        }
    }

    mutating func valueSource(_ value: JSONValue, _ pointer: String) -> ValueSource? {
        if let text = value.stringValue, !text.contains("{{") {
            expression(value, pointer)
            return .expression(text)
        }
        return template(value, pointer).map(ValueSource.template)
    }

    mutating func jump(_ value: JSONValue?, _ pointer: String) -> Jump? {
        guard let value else { return nil }
        guard case .object(let members) = value else {
            issues.append(DefinitionIssue(pointer, "jump must be an object {to, when, maxIterations}"))
            return nil
        }
        for key in members.keys.sorted() where !["to", "when", "maxIterations"].contains(key) {
            issues.append(DefinitionIssue(pointer + "/" + JSONPointer.escape(key), "unknown field '\(key)' in a jump"))
        }
        var target: String?
        if let to = members["to"], !to.isNull {
            target = string(to, pointer + "/to", required: true)
        }
        var maxIterations: Int?
        if let raw = members["maxIterations"] {
            if let number = raw.intValue, number >= 1, number <= 1_000_000 {
                maxIterations = Int(number)
            } else {
                issues.append(DefinitionIssue(pointer + "/maxIterations", "maxIterations must be an integer from 1 to 1000000"))
            }
        }
        return Jump(to: target, when: condition(members["when"], pointer + "/when"), maxIterations: maxIterations)
    }

    mutating func forEach(_ value: JSONValue?, _ pointer: String) -> ForEach? {
        guard let value else { return nil }
        guard case .object(let members) = value, let items = members["items"] else {
            issues.append(DefinitionIssue(pointer + "/items", "forEach needs 'items' (a template or a JMESPath expression)"))
            return nil
        }
        var concurrency = 1
        if let raw = members["concurrency"] {
            if let number = raw.intValue, number >= 1, number <= 1000 {
                concurrency = Int(number)
            } else {
                issues.append(DefinitionIssue(pointer + "/concurrency", "concurrency must be an integer from 1 to 1000"))
            }
        }
        guard let source = valueSource(items, pointer + "/items") else { return nil }
        return ForEach(items: source, concurrency: concurrency)
    }

    mutating func retry(_ value: JSONValue?, _ pointer: String) -> RetryPolicy {
        guard let value else { return .none }
        guard case .object(let members) = value else {
            issues.append(DefinitionIssue(pointer, "retry must be an object"))
            return .none
        }
        var policy = RetryPolicy()
        let known: Set<String> = ["initialInterval", "backoffCoefficient", "maximumInterval", "maximumAttempts", "nonRetryable"]
        for key in members.keys.sorted() where !known.contains(key) {
            issues.append(DefinitionIssue(pointer + "/" + JSONPointer.escape(key), "unknown field '\(key)' in a retry policy"))
        }
        if let interval = duration(members["initialInterval"], pointer + "/initialInterval") { policy.initialIntervalMs = interval }
        if let interval = duration(members["maximumInterval"], pointer + "/maximumInterval") { policy.maximumIntervalMs = interval }
        if let raw = members["backoffCoefficient"] {
            if let number = raw.doubleValue, number >= 1, number <= 100 {
                policy.backoffCoefficient = number
            } else {
                issues.append(DefinitionIssue(pointer + "/backoffCoefficient", "backoffCoefficient must be a number from 1 to 100"))
            }
        }
        if let raw = members["maximumAttempts"] {
            if let number = raw.intValue, number >= 1, number <= 1000 {
                policy.maximumAttempts = Int(number)
            } else {
                issues.append(DefinitionIssue(pointer + "/maximumAttempts", "maximumAttempts must be an integer from 1 to 1000"))
            }
        }
        if let raw = members["nonRetryable"] {
            if let list = raw.arrayValue, list.allSatisfy({ $0.stringValue != nil }) {
                policy.nonRetryable = Set(list.compactMap(\.stringValue))
            } else {
                issues.append(DefinitionIssue(pointer + "/nonRetryable", "nonRetryable must be a list of error codes"))
            }
        }
        if policy.maximumIntervalMs < policy.initialIntervalMs {
            issues.append(DefinitionIssue(pointer + "/maximumInterval", "maximumInterval is shorter than initialInterval"))
        }
        return policy
    }

    mutating func timeouts(_ members: [String: JSONValue], _ pointer: String) -> StepTimeouts {
        var timeouts = StepTimeouts()
        timeouts.startToCloseMs = duration(members["timeout"], pointer + "/timeout")
        if let raw = members["timeouts"] {
            guard case .object(let fields) = raw else {
                issues.append(DefinitionIssue(pointer + "/timeouts", "timeouts must be an object {scheduleToStart, startToClose}"))
                return timeouts
            }
            for key in fields.keys.sorted() where !["scheduleToStart", "startToClose"].contains(key) {
                issues.append(DefinitionIssue(pointer + "/timeouts/" + JSONPointer.escape(key), "unknown timeout '\(key)'"))
            }
            timeouts.scheduleToStartMs = duration(fields["scheduleToStart"], pointer + "/timeouts/scheduleToStart")
            if let close = duration(fields["startToClose"], pointer + "/timeouts/startToClose") { timeouts.startToCloseMs = close }
        }
        return timeouts
    }

    mutating func cache(_ value: JSONValue?, _ pointer: String) -> CachePolicy? {
        guard let value else { return nil }
        guard case .object(let members) = value else {
            issues.append(DefinitionIssue(pointer, "cache must be an object {key, ttl}"))
            return nil
        }
        let ttl = duration(members["ttl"], pointer + "/ttl") ?? 300_000
        let key = members["key"].flatMap { template($0, pointer + "/key") }
        return CachePolicy(key: key, ttlMs: ttl)
    }
}
