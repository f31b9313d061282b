import Testing

@testable import KeelCore

@Suite struct JSONParserTests {
    @Test func parsesScalars() throws {
        #expect(try JSONValue.parse("null") == .null)
        #expect(try JSONValue.parse("true") == .bool(true))
        #expect(try JSONValue.parse(" false ") == .bool(false))
        #expect(try JSONValue.parse("0") == .int(0))
        #expect(try JSONValue.parse("-0") == .int(0))
        #expect(try JSONValue.parse("42") == .int(42))
        #expect(try JSONValue.parse("-17") == .int(-17))
        #expect(try JSONValue.parse("1.5") == .double(1.5))
        #expect(try JSONValue.parse("1e3") == .double(1000))
        #expect(try JSONValue.parse("-2.5E-2") == .double(-0.025))
        #expect(try JSONValue.parse("\"hi\"") == .string("hi"))
    }

    @Test func integersBeyondInt64BecomeDoubles() throws {
        #expect(try JSONValue.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONValue.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONValue.parse("1.0") == .double(1))
    }

    @Test func parsesContainers() throws {
        let value = try JSONValue.parse(#" { "a" : [1, 2.5, "x", null, true, {}], "b": {"c": []} } "#)
        #expect(
            value
                == .object(["a": .array([.int(1), .double(2.5), .string("x"), .null, .bool(true), .object([:])]), "b": .object(["c": .array([])])]))
        #expect(value["a"]?.arrayValue?.count == 6)
        #expect(value["b"]?["c"] == .array([]))
        #expect(value["missing"] == nil)
        #expect(JSONValue.int(3)["a"] == nil)
    }

    @Test func decodesEscapesAndUnicode() throws {
        #expect(try JSONValue.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        #expect(try JSONValue.parse(#""\u00e9\u4e2d""#) == .string("é中"))
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue.parse("\"é中😀\"") == .string("é中😀"))
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func parsesBytesAndNonContiguousCollections() throws {
        #expect(try JSONValue.parse(Array("[1]".utf8)) == .array([.int(1)]))
        #expect(try JSONValue.parse("[1]".utf8) == .array([.int(1)]))
        #expect(try JSONValue.parse(Array("[1,2]".utf8).reversed().reversed()) == .array([.int(1), .int(2)]))
    }

    private func failure(_ text: String) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(text)
            return nil
        } catch {
            return error
        }
    }

    private func failure(bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func reportsPositionAndMessage() {
        let error = failure(#"{"abc" 1}"#)
        #expect(error?.offset == 7)
        #expect(error?.line == 1)
        #expect(error?.column == 8)
        #expect(error?.message == "expected ':' after object key")
        #expect(error?.description == "invalid JSON at line 1, column 8 (byte 7): expected ':' after object key")
        let multiLine = failure("{\n  \"a\": 1,\n  \"b\" 2\n}")
        #expect(multiLine?.line == 3)
        #expect(multiLine?.column == 7)
        #expect(multiLine?.offset == 18)
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("[1,]", "unexpected"),
        ("[1 2]", "expected ',' or ']'"),
        ("{\"a\":1,}", "expected an object key"),
        ("{a:1}", "expected an object key"),
        ("01", "leading zeros"),
        ("-01", "leading zeros"),
        ("1.", "decimal point"),
        (".5", "unexpected"),
        ("1e", "exponent"),
        ("+1", "unexpected"),
        ("-", "digit"),
        ("NaN", "unexpected"),
        ("Infinity", "unexpected"),
        ("-Infinity", "digit"),
        ("1e400", "out of range"),
        ("tru", "invalid literal"),
        ("nul", "invalid literal"),
        ("\"abc", "unterminated string"),
        ("\"a\tb\"", "control character"),
        ("\"a\nb\"", "control character"),
        (#""\x""#, "invalid escape"),
        (#""\u12""#, "hex digits"),
        (#""\ud800""#, "unpaired high surrogate"),
        (#""\ud800\u0041""#, "unpaired high surrogate"),
        (#""\udc00""#, "unpaired low surrogate"),
        ("[1] x", "after the JSON value"),
        ("{} {}", "after the JSON value"),
        ("'a'", "unexpected"),
    ])
    func rejectsInvalidInput(text: String, expected: String) {
        let error = failure(text)
        #expect(error != nil, "accepted \(text)")
        #expect(error?.message.contains(expected) == true, "\(text): \(error?.message ?? "-")")
    }

    @Test func rejectsDuplicateKeysNamingTheKey() {
        let error = failure(#"{"a":1,"b":2,"a":3}"#)
        #expect(error?.message == "duplicate object key \"a\"")
        #expect(error?.offset == 13)
        #expect(failure(#"{"x":{"k":1,"k":1}}"#)?.message.contains("\"k\"") == true)
        #expect(failure(#"[{"k":1},{"k":1}]"#) == nil)
    }

    @Test func rejectsInvalidUTF8() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22],  // never valid
            [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
            [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong 3-byte
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xE4, 0xB8, 0x22],  // truncated
            [0x22, 0x80, 0x22],  // lone continuation
            [0xC3, 0xA9],  // non-ASCII outside a string
        ]
        for bytes in cases {
            #expect(failure(bytes: bytes) != nil, "accepted \(bytes)")
        }
        let error = failure(bytes: [0x5B, 0x22, 0x61, 0xFF, 0x22, 0x5D])
        #expect(error?.offset == 3)
        #expect(error?.message.contains("UTF-8") == true)
        // Valid 2-, 3- and 4-byte sequences pass, also after an escape (slow path).
        #expect((try? JSONValue.parse([0x22, 0x5C, 0x6E, 0xC3, 0xA9, 0xE4, 0xB8, 0xAD, 0xF0, 0x9F, 0x98, 0x80, 0x22])) == .string("\né中😀"))
    }

    @Test func limitsNestingDepth() throws {
        let limit = JSONLimits.maximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try JSONValue.parse(deepest) }
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        let error = failure(tooDeep)
        #expect(error?.message.contains("deeper than \(limit)") == true)
        #expect(error?.offset == limit)
        let objects = String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600)
        #expect(failure(objects) != nil)
    }

    @Test func pointers() throws {
        let value = try JSONValue.parse(#"{"a":{"b/c":[10,{"d~e":true}]},"":1}"#)
        #expect(value.value(atPointer: "") == value)
        #expect(value.value(atPointer: "/a/b~1c/0") == .int(10))
        #expect(value.value(atPointer: "/a/b~1c/1/d~0e") == .bool(true))
        #expect(value.value(atPointer: "/") == .int(1))
        #expect(value.value(atPointer: "/a/b~1c/2") == nil)
        #expect(value.value(atPointer: "/a/b~1c/01") == nil)
        #expect(value.value(atPointer: "a") == nil)
        #expect(JSONPointer.appending("", "x/y~z") == "/x~1y~0z")
    }
}
