import Testing

@testable import KeelCore

@Suite struct JSONSerializerTests {
    @Test func compactAndSortedKeys() {
        let value: JSONValue = .object(["b": .int(1), "a": .array([.null, .bool(false), .double(1.5)]), "A": .string("x")])
        #expect(value.jsonString == #"{"A":"x","a":[null,false,1.5],"b":1}"#)
        #expect(value.serialized() == Array(value.jsonString.utf8))
    }

    @Test func escapesControlCharacters() {
        let value = JSONValue.string("q\"b\\n\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}é😀")
        #expect(value.jsonString == "\"q\\\"b\\\\n\\n\\r\\t\\b\\f\\u0000\\u001f\u{7f}é😀\"")
        #expect((try? JSONValue.parse(value.serialized())) == value)
    }

    @Test func doublesRoundTrip() throws {
        let numbers: [Double] = [0.1, -0.0, 1e-5, 1e20, 1e300, 123456789.123, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 5, -2.5]
        for number in numbers {
            let text = JSONValue.double(number).jsonString
            #expect(try JSONValue.parse(text) == .double(number), "\(text)")
        }
        #expect(JSONValue.double(5).jsonString == "5.0")
        #expect(JSONValue.double(.nan).jsonString == "null")
        #expect(JSONValue.double(.infinity).jsonString == "null")
        #expect(JSONValue.int(Int64.min).jsonString == "-9223372036854775808")
    }

    @Test func sortsKeysByUTF8Bytes() {
        let value: JSONValue = .object(["é": .int(1), "z": .int(2), "Z": .int(3), "😀": .int(4)])
        #expect(value.jsonString == #"{"Z":3,"z":2,"é":1,"😀":4}"#)
        let prefixes: JSONValue = .object(["ab": .int(1), "": .int(2), "a": .int(3), "a\u{0}": .int(4), "b": .int(5)])
        #expect(prefixes.jsonString == #"{"":2,"a":3,"a\u0000":4,"ab":1,"b":5}"#)
    }

    @Test func roundTripsDocuments() throws {
        let texts = [
            #"{"a":[1,2,{"b":null}],"c":"\u00e9\n","d":-1.25e-7,"e":true}"#,
            #"[[],{},"",0,-0.5]"#,
        ]
        for text in texts {
            let value = try JSONValue.parse(text)
            #expect(try JSONValue.parse(value.serialized()) == value)
            #expect(try JSONValue.parse(value.serialized()).serialized() == value.serialized())
        }
    }

    @Test func accessors() {
        #expect(JSONValue.int(3).doubleValue == 3)
        #expect(JSONValue.double(2.5).intValue == nil)
        #expect(JSONValue.string("s").stringValue == "s")
        #expect(JSONValue.bool(true).boolValue == true)
        #expect(JSONValue.null.stringValue == nil)
        #expect(JSONValue.array([]).arrayValue == [])
        #expect(JSONValue.object([:]).objectValue == [:])
    }

    @Test func jsonEquality() {
        #expect(JSONValue.int(1).isJSONEqual(to: .double(1)))
        #expect(!JSONValue.int(1).isJSONEqual(to: .double(1.5)))
        #expect(JSONValue.array([.int(2)]).isJSONEqual(to: .array([.double(2)])))
        #expect(!JSONValue.string("1").isJSONEqual(to: .int(1)))
        #expect(!JSONValue.int(Int64.max).isJSONEqual(to: .double(9_223_372_036_854_775_808)))
    }
}
