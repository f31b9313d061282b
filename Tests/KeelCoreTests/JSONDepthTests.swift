import KeelCore
import Testing

/// `depth` levels of arrays around a number: `[[…[1]…]]`.
func nestedJSON(depth: Int) -> String {
    String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
}

@Suite("One JSON depth limit")
struct JSONDepthTests {
    @Test("the parser accepts exactly JSONLimits.maximumDepth levels and refuses one more")
    func parserDepth() throws {
        #expect(JSONValue.maximumDepth == JSONLimits.maximumDepth)
        _ = try JSONValue.parse(nestedJSON(depth: JSONLimits.maximumDepth))
        let tooDeep = #"{"a":"# + nestedJSON(depth: JSONLimits.maximumDepth) + "}"
        #expect(throws: JSONParseError.self) { try JSONValue.parse(tooDeep) }
    }

    @Test("the limits fit inside MongoDB's 100 levels with room for projections and envelopes")
    func limitsAreConsistent() {
        #expect(JSONLimits.maximumDocumentDepth == JSONLimits.maximumDepth + JSONLimits.projectionAllowance)
        #expect(JSONLimits.maximumDecodedDepth == JSONLimits.maximumDocumentDepth + JSONLimits.envelopeAllowance)
        #expect(JSONLimits.maximumDecodedDepth < 100)
    }
}
