import KeelCore
import KeelExpressions
import Testing

/// One file of the JMESPath compliance suite, embedded as JSON text (the test target has no
/// resources). The `Compliance+*.swift` files are generated from the upstream JSON.
struct ComplianceFile: Sendable, CustomStringConvertible {
    var name: String
    var json: String

    var description: String { name }
}

enum ComplianceSuite {
    static let all: [ComplianceFile] = [
        basic, boolean, current, escape, filters, functions, identifiers, indices, literal, multiselect, pipe, slice, syntax,
        unicode, wildcard, benchmarks,
    ]

    /// How many cases the embedded files hold, so that a lost or truncated file fails loudly.
    static let expectedCaseCount = 812

    /// Expressions whose expected arrays follow the upstream objects' insertion order. `JSONValue`
    /// objects have no order (Keel iterates members in key order), so these compare as multisets.
    static let memberOrderDependent: Set<String> = ["hash.*", "keys(objects)", "values(objects)"]

    /// Runs one case; `nil` when it passes, otherwise what went wrong.
    static func failure(of testCase: JSONValue, given: JSONValue) -> String? {
        guard let text = testCase["expression"]?.stringValue else { return "case without an expression" }
        let outcome = Result { () throws(JMESPathError) -> JSONValue in
            try JMESPathExpression(text).evaluate(given)
        }
        if let expectedError = testCase["error"]?.stringValue {
            switch outcome {
            case .success(let value): return "\(text): expected a \(expectedError) error, got \(value)"
            case .failure(let error):
                return error.kind.rawValue == expectedError ? nil : "\(text): expected a \(expectedError) error, got \(error)"
            }
        }
        guard let expected = testCase["result"] else {
            // Benchmark cases state no result; they must at least be valid syntax. (Upstream's
            // "lots of summing" calls sum() with 26 arguments, an arity error Keel reports early.)
            if case .failure(let error) = outcome, error.kind == .syntax { return "\(text): \(error)" }
            return nil
        }
        switch outcome {
        case .failure(let error):
            return "\(text): expected \(expected), got \(error)"
        case .success(let actual):
            if actual.isJSONEqual(to: expected) { return nil }
            if memberOrderDependent.contains(text), sameElementsIgnoringOrder(actual, expected) { return nil }
            return "\(text): expected \(expected), got \(actual)"
        }
    }

    private static func sameElementsIgnoringOrder(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        guard case .array(let left) = lhs, case .array(var right) = rhs, left.count == right.count else { return false }
        for element in left {
            guard let match = right.firstIndex(where: { $0.isJSONEqual(to: element) }) else { return false }
            right.remove(at: match)
        }
        return true
    }
}

@Suite("JMESPath compliance suite")
struct ComplianceTests {
    @Test("every case of the file passes", arguments: ComplianceSuite.all)
    func file(_ file: ComplianceFile) throws {
        let groups = try #require(try JSONValue.parse(file.json).arrayValue)
        for group in groups {
            let given = try #require(group["given"])
            for testCase in try #require(group["cases"]?.arrayValue) {
                let failure = ComplianceSuite.failure(of: testCase, given: given)
                #expect(failure == nil, "\(file.name): \(failure ?? "")")
            }
        }
    }

    @Test("the embedded suite is complete")
    func caseCount() throws {
        var count = 0
        for file in ComplianceSuite.all {
            for group in try #require(try JSONValue.parse(file.json).arrayValue) {
                count += group["cases"]?.arrayValue?.count ?? 0
            }
        }
        #expect(count == ComplianceSuite.expectedCaseCount)
    }
}
