import Foundation
import KeelCore
import KeelExpressions
import Testing

/// Hostile input: every limit fails with a syntax error instead of exhausting time or stack.
@Suite("JMESPath limits")
struct JMESPathLimitsTests {
    private func syntaxError(_ text: String) -> JMESPathError? {
        do throws(JMESPathError) {
            _ = try JMESPathExpression(text)
            return nil
        } catch {
            return error.kind == .syntax ? error : nil
        }
    }

    @Test("text longer than the limit is rejected, and the limit itself is accepted")
    func lengthLimit() throws {
        let atLimit = "'" + String(repeating: "a", count: JMESPathExpression.maximumLength - 2) + "'"
        #expect(try JMESPathExpression(atLimit).evaluate(.null) == .string(String(repeating: "a", count: 4094)))
        let error = try #require(syntaxError(atLimit + " "))
        #expect(error.offset == JMESPathExpression.maximumLength)
        #expect(error.message.contains("longer than 4096 bytes"))
    }

    @Test("the length limit counts UTF-8 bytes", arguments: ["é", "😀"])
    func lengthLimitCountsBytes(_ character: String) throws {
        let body = String(repeating: character, count: 4096 / character.utf8.count)
        #expect(syntaxError("'" + body + "'") != nil)
    }

    @Test(
        "deeply nested input is a syntax error, not a stack overflow",
        arguments: [
            String(repeating: "(", count: 2000) + "a" + String(repeating: ")", count: 2000),
            String(repeating: "!", count: 4000) + "a",
            String(repeating: "[", count: 4000),
            String(repeating: "{a:", count: 1300),
            String(repeating: "&", count: 4000) + "a",
            "a" + String(repeating: "[0]", count: 1300),
            "a" + String(repeating: ".b", count: 2000),
            String(repeating: "a || ", count: 800) + "a",
            String(repeating: "a[*].", count: 800) + "a",
            String(repeating: "length(", count: 500) + "@" + String(repeating: ")", count: 500),
        ]
    )
    func nestingLimit(_ text: String) throws {
        let error = try #require(syntaxError(text))
        #expect(error.offset != nil)
    }

    @Test("nesting just under the limits compiles and evaluates")
    func nestingUnderLimit() throws {
        let parens = String(repeating: "(", count: 100) + "a" + String(repeating: ")", count: 100)
        #expect(try JMESPathExpression(parens).evaluate(.object(["a": .int(1)])) == .int(1))
        let chain = "a" + String(repeating: ".a", count: 200)
        #expect(try JMESPathExpression(chain).evaluate(.object(["a": .int(1)])) == .null)
    }

    @Test("evaluation at the deepest accepted nesting fits a small thread stack")
    func evaluationStack() async throws {
        // 120 nested projections over a document 60 levels deep: the worst the limits allow
        // for projections, run on a thread with 512 KiB of stack.
        let expression = try JMESPathExpression(String(repeating: "a[*].", count: 120) + "a")
        var document = JSONValue.int(1)
        for _ in 0..<30 { document = .object(["a": .array([document])]) }
        let deep = document
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let thread = Thread {
                continuation.resume(returning: (try? expression.evaluate(deep)) != nil)
            }
            thread.stackSize = 512 * 1024
            thread.start()
        }
        #expect(result)
    }

    @Test("syntax errors carry the offset of the offending token", arguments: [("foo[0", 5), ("foo.", 4), ("a ==", 4), ("foo[?a] ~", 8)])
    func offsets(_ text: String, _ offset: Int) throws {
        let error = try #require(syntaxError(text))
        #expect(error.offset == offset)
        #expect(error.message.hasSuffix("at offset \(offset)"))
    }

    @Test("out-of-range numbers and huge slice steps do not trap")
    func numbers() throws {
        #expect(syntaxError("[99999999999999999999]") != nil)
        let array = JSONValue.array((0..<5).map { .int($0) })
        #expect(try JMESPathExpression("[1:5:9223372036854775807]").evaluate(array) == .array([.int(1)]))
        #expect(try JMESPathExpression("[3::-9223372036854775808]").evaluate(array) == .array([.int(3)]))
        #expect(try JMESPathExpression("[-9223372036854775808]").evaluate(array) == .null)
        #expect(try JMESPathExpression("abs(`-9223372036854775808`)").evaluate(.null) == .double(9_223_372_036_854_775_808))
        #expect(try JMESPathExpression("sum(@)").evaluate(.array([.int(.max), .int(1)])) == .double(9_223_372_036_854_775_808))
    }
}
