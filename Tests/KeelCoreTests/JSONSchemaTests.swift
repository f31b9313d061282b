import Testing

@testable import KeelCore

@Suite struct JSONSchemaTests {
    private func schema(_ text: String) throws -> JSONSchema {
        try JSONSchema(JSONValue.parse(text))
    }

    private func paths(_ schemaText: String, _ valueText: String) throws -> [String] {
        try schema(schemaText).validate(JSONValue.parse(valueText)).map(\.path)
    }

    private func messages(_ schemaText: String, _ valueText: String) throws -> [String] {
        try schema(schemaText).validate(JSONValue.parse(valueText)).map(\.description)
    }

    @Test func types() throws {
        #expect(try paths(#"{"type":"string"}"#, #""x""#).isEmpty)
        #expect(try messages(#"{"type":"string"}"#, "1") == ["must be a string, got a number"])
        #expect(try paths(#"{"type":"integer"}"#, "2.0").isEmpty)
        #expect(try paths(#"{"type":"integer"}"#, "2.5") == [""])
        #expect(try paths(#"{"type":"number"}"#, "2").isEmpty)
        #expect(try paths(#"{"type":["string","null"]}"#, "null").isEmpty)
        #expect(try messages(#"{"type":["string","null"]}"#, "true") == ["must be a string or null, got a boolean"])
        #expect(try paths(#"{"type":"object"}"#, "[]") == [""])
        #expect(try paths(#"{"type":"array"}"#, "[]").isEmpty)
        #expect(try paths(#"{"type":"boolean"}"#, "false").isEmpty)
        #expect(try paths("true", "[1]").isEmpty)
        #expect(try paths("false", "1") == [""])
        #expect(try paths("{}", #"{"a":1}"#).isEmpty)
        #expect(try schema("{}").acceptsEverything)
        #expect(try schema(#"{"description":"anything"}"#).acceptsEverything)
        #expect(try !schema(#"{"type":"object"}"#).acceptsEverything)
    }

    @Test func objects() throws {
        let s =
            #"{"type":"object","required":["id","amount"],"properties":{"id":{"type":"string"},"amount":{"type":"integer","minimum":0},"meta":{"type":"object","properties":{"a/b":{"type":"string"}}}},"additionalProperties":false}"#
        #expect(try paths(s, #"{"id":"x","amount":3}"#).isEmpty)
        #expect(
            try messages(s, #"{"amount":-1,"extra":true}"#) == ["/id: is required", "/amount: must be >= 0", "/extra: is not an allowed property"])
        #expect(try paths(s, #"{"id":"x","amount":1,"meta":{"a/b":1}}"#) == ["/meta/a~1b"])
        let typed = #"{"type":"object","additionalProperties":{"type":"integer"}}"#
        #expect(try paths(typed, #"{"a":1,"b":"x"}"#) == ["/b"])
    }

    @Test func arrays() throws {
        let s = #"{"type":"array","items":{"type":"string","minLength":2},"minItems":1,"maxItems":3}"#
        #expect(try paths(s, #"["ab","cd"]"#).isEmpty)
        #expect(try paths(s, "[]") == [""])
        #expect(try paths(s, #"["ab","c","de","fg"]"#) == ["", "/1"])
    }

    @Test func enumAndConst() throws {
        #expect(try paths(#"{"enum":["a",1,null]}"#, #""a""#).isEmpty)
        #expect(try paths(#"{"enum":["a",1,null]}"#, "1.0").isEmpty)
        #expect(try messages(#"{"enum":["a",1]}"#, #""b""#) == [#"must be one of "a", 1"#])
        #expect(try paths(#"{"const":{"x":[1]}}"#, #"{"x":[1]}"#).isEmpty)
        #expect(try paths(#"{"const":{"x":[1]}}"#, #"{"x":[2]}"#) == [""])
    }

    @Test func numbers() throws {
        let s = #"{"type":"number","minimum":1,"maximum":10,"exclusiveMinimum":1.5,"exclusiveMaximum":9}"#
        #expect(try paths(s, "5").isEmpty)
        #expect(try messages(s, "1.5") == ["must be > 1.5"])
        #expect(try messages(s, "0") == ["must be >= 1", "must be > 1.5"])
        #expect(try messages(s, "9") == ["must be < 9"])
        #expect(try messages(s, "11") == ["must be <= 10", "must be < 9"])
    }

    @Test func strings() throws {
        #expect(try paths(#"{"maxLength":3}"#, #""ééé""#).isEmpty)  // code points, not bytes
        #expect(try paths(#"{"maxLength":1}"#, #""😀""#).isEmpty)
        #expect(try paths(#"{"minLength":2}"#, #""😀""#) == [""])
        #expect(try paths(#"{"pattern":"^[a-z]+-[0-9]+$"}"#, #""run-42""#).isEmpty)
        #expect(try paths(#"{"pattern":"[0-9]"}"#, #""abc1""#).isEmpty)  // unanchored, as in JSON Schema
        #expect(try messages(#"{"pattern":"^[a-z]+$"}"#, #""ABC""#) == ["must match the pattern ^[a-z]+$"])
        #expect(try paths(#"{"format":"date-time"}"#, #""2026-11-21T07:10:45.123Z""#).isEmpty)
        #expect(try messages(#"{"format":"date-time"}"#, #""tomorrow""#) == ["must be a valid date-time"])
        #expect(try paths(#"{"format":"uuid"}"#, #""6E8BC430-9c3a-11d9-9669-0800200c9a66""#).isEmpty)
        #expect(try paths(#"{"format":"uuid"}"#, #""6e8bc430-9c3a-11d9-9669-0800200c9a6""#) == [""])
        #expect(try paths(#"{"minLength":5}"#, "12").isEmpty)  // string keywords ignore other types
    }

    private func loadError(_ text: String) -> EventValidationError? {
        do {
            _ = try schema(text)
            return nil
        } catch let error as EventValidationError {
            return error
        } catch {
            return EventValidationError(field: "json", reason: "\(error)")
        }
    }

    @Test func rejectsBadSchemasAtLoad() {
        #expect(loadError(#"{"type":"strng"}"#)?.field == "schema/type")
        #expect(loadError(#"{"properties":{"a":{"minimun":1}}}"#)?.field == "schema/properties/a/minimun")
        #expect(loadError(#"{"items":{"pattern":"("}}"#)?.field == "schema/items/pattern")
        #expect(loadError(#"{"format":"email"}"#)?.field == "schema/format")
        #expect(loadError(#"{"required":"a"}"#)?.field == "schema/required")
        #expect(loadError(#"{"required":["a","a"]}"#)?.field == "schema/required")
        #expect(loadError(#"{"minLength":-1}"#)?.field == "schema/minLength")
        #expect(loadError(#"{"maxItems":1.5}"#)?.field == "schema/maxItems")
        #expect(loadError(#"{"minimum":"1"}"#)?.field == "schema/minimum")
        #expect(loadError(#"{"enum":[]}"#)?.field == "schema/enum")
        #expect(loadError(#"{"items":[{}]}"#)?.field == "schema/items")
        #expect(loadError(#"{"additionalProperties":{"oneOf":[]}}"#)?.field == "schema/additionalProperties/oneOf")
        #expect(loadError(##"{"$ref":"#/x"}"##)?.field == "schema/$ref")
        #expect(loadError("3")?.field == "schema")
        #expect(loadError(#"{"title":"t","description":"d","$comment":"c","examples":[1],"default":1,"$schema":"x","$id":"y"}"#) == nil)
    }

    @Test func equalityFollowsTheDocument() throws {
        #expect(try schema(#"{"type":"string"}"#) == schema(#"{ "type" : "string" }"#))
        #expect(try schema(#"{"type":"string"}"#) != schema(#"{"type":"integer"}"#))
    }
}
