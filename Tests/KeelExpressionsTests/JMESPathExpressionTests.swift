import KeelCore
import KeelExpressions
import Testing

/// Behaviour beyond the compliance suite: the public API, Keel's number handling, and the
/// functions the stored suite does not exercise.
@Suite("JMESPath expressions")
struct JMESPathExpressionTests {
    private let people: JSONValue = .array([
        .object(["name": .string("b"), "age": .int(30), "tags": .array([.string("x")])]),
        .object(["name": .string("a"), "age": .double(25.5), "tags": .array([])]),
        .object(["name": .string("c"), "age": .int(30)]),
    ])

    private func evaluate(_ text: String, _ value: JSONValue) throws -> JSONValue {
        try JMESPathExpression(text).evaluate(value)
    }

    private func errorKind(_ text: String, _ value: JSONValue = .null) -> JMESPathError.Kind? {
        do throws(JMESPathError) {
            _ = try JMESPathExpression(text).evaluate(value)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test("truthiness follows the specification: 0 is true, empty containers are false")
    func truthiness() {
        for value: JSONValue in [.null, .bool(false), .string(""), .array([]), .object([:])] {
            #expect(!JMESPathExpression.isTruthy(value))
        }
        for value: JSONValue in [.bool(true), .int(0), .double(0), .string(" "), .array([.null]), .object(["a": .null])] {
            #expect(JMESPathExpression.isTruthy(value))
        }
    }

    @Test("expressions keep their text and compare by it")
    func identity() throws {
        let expression = try JMESPathExpression("a.b")
        #expect(expression.text == "a.b")
        #expect(expression == (try JMESPathExpression("a.b")))
        #expect(expression != (try JMESPathExpression("a . b")))
        #expect(Set([expression, try JMESPathExpression("a.b")]).count == 1)
    }

    @Test("function names and argument counts are checked when compiling")
    func compileTimeFunctionChecks() {
        #expect(errorKind("nope(@)") == .unknownFunction)
        #expect(errorKind("a || length(@, @)") == .invalidArity)
        #expect(errorKind("merge()") == .invalidArity)
        #expect(errorKind("[0:1:0]") == .invalidValue)
        #expect(errorKind("length(`1`)") == .invalidType)
        #expect(errorKind("length(&a)") == .invalidType)
    }

    @Test("integers stay integers; numbers compare across int and double")
    func numbers() throws {
        #expect(try evaluate("length(@)", people) == .int(3))
        #expect(try evaluate("sum([`1`, `2`])", .object([:])) == .int(3))
        #expect(try evaluate("sum([`1`, `2.5`])", .object([:])) == .double(3.5))
        #expect(try evaluate("`1` == `1.0`", .object([:])) == .bool(true))
        #expect(try evaluate("`1` < `1.5`", .object([:])) == .bool(true))
        #expect(try evaluate("`true` == `1`", .object([:])) == .bool(false))
        #expect(try evaluate("'a' < 'b'", .object([:])) == .null)
        #expect(try evaluate("floor(`2.5`)", .object([:])) == .int(2))
        #expect(try evaluate("avg([`1`, `2`])", .object([:])) == .double(1.5))
    }

    @Test("sort_by is stable over mixed int and double keys; min_by and max_by pick the first extreme")
    func ordering() throws {
        #expect(try evaluate("sort_by(@, &age)[].name", people) == .array([.string("a"), .string("b"), .string("c")]))
        #expect(try evaluate("max_by(@, &age).name", people) == .string("b"))
        #expect(try evaluate("min_by(@, &name).name", people) == .string("a"))
        #expect(try evaluate("sort(['b', 'a', 'B'])", .object([:])) == .array([.string("B"), .string("a"), .string("b")]))
        #expect(errorKind("sort_by(@, &tags)", people) == .invalidType)
        #expect(errorKind("sort([`1`, 'a'])") == .invalidType)
    }

    @Test("map keeps nulls; expression references only mean something as arguments")
    func map() throws {
        #expect(try evaluate("map(&tags[0], @)", people) == .array([.string("x"), .null, .null]))
        #expect(try evaluate("map(&[], `[[1, [2]], [3]]`)", .object([:])) == .array([.array([.int(1), .int(2)]), .array([.int(3)])]))
        #expect(try evaluate("&a", people) == .null)
        #expect(errorKind("map(a, @)", people) == .invalidType)
    }

    @Test("keys, values and * use key order, since JSON objects carry none")
    func memberOrder() throws {
        let object: JSONValue = .object(["b": .int(2), "a": .int(1), "c": .int(3)])
        #expect(try evaluate("keys(@)", object) == .array([.string("a"), .string("b"), .string("c")]))
        #expect(try evaluate("values(@)", object) == .array([.int(1), .int(2), .int(3)]))
        #expect(try evaluate("*", object) == .array([.int(1), .int(2), .int(3)]))
    }

    @Test("to_string renders compact JSON; string functions work on Unicode scalars")
    func strings() throws {
        #expect(try evaluate("to_string(@)", .object(["b": .array([.int(1), .null])])) == .string(#"{"b":[1,null]}"#))
        #expect(try evaluate("to_string('x')", .object([:])) == .string("x"))
        #expect(try evaluate("length('é😀')", .object([:])) == .int(2))
        #expect(try evaluate("reverse('ab😀')", .object([:])) == .string("😀ba"))
        #expect(try evaluate("contains('abc', 'bc')", .object([:])) == .bool(true))
        #expect(try evaluate("starts_with('abc', '')", .object([:])) == .bool(true))
        #expect(try evaluate("to_number(' 12 ')", .object([:])) == .int(12))
        #expect(try evaluate("to_number('1e2')", .object([:])) == .double(100))
        #expect(try evaluate("to_number('0x10')", .object([:])) == .null)
    }

    @Test("one compiled expression is safe to evaluate from many tasks at once")
    func concurrentEvaluation() async throws {
        let expression = try JMESPathExpression("sort_by(@, &age)[?age > `26`].name | join(',', @)")
        let input = people
        let results = await withTaskGroup(of: JSONValue?.self) { group in
            for _ in 0..<32 { group.addTask { try? expression.evaluate(input) } }
            return await group.reduce(into: [JSONValue?]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == .string("b,c") })
    }
}
