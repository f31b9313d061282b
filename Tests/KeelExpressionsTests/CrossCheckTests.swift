import Foundation
import KeelCore
import KeelExpressions
import Testing

/// The Swift half of `Scripts/jmespath-crosscheck.py`, which compares Keel's evaluator with the
/// reference implementation (PyPI `jmespath`) on generated expressions.
///
/// The script writes `KEEL_JMESPATH_CASES` (a JSON array of `{"expression", "document"}`) and
/// names `KEEL_JMESPATH_RESULTS`; this test writes one `{"result": …}` or `{"error": kind}` per
/// case there. Without those variables (every ordinary test run) it returns at once: it is a
/// helper for the script, not a test of its own.
@Suite("JMESPath cross-check helper")
struct CrossCheckTests {
    @Test("evaluates the script's cases when KEEL_JMESPATH_CASES is set")
    func crossCheckFileFromScript() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let casesPath = environment["KEEL_JMESPATH_CASES"], let resultsPath = environment["KEEL_JMESPATH_RESULTS"] else {
            return
        }
        let cases = try #require(try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: casesPath))).arrayValue)
        var results: [JSONValue] = []
        for testCase in cases {
            let text = testCase["expression"]?.stringValue ?? ""
            do throws(JMESPathError) {
                let value = try JMESPathExpression(text).evaluate(testCase["document"] ?? .null)
                results.append(.object(["result": value]))
            } catch {
                results.append(.object(["error": .string(error.kind.rawValue), "message": .string(error.message)]))
            }
        }
        try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: resultsPath))
    }
}
