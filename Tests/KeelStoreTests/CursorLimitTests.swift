import Foundation
import KeelCore
import KeelStore
import Testing

/// `value` inside `levels` single-element arrays.
func wrapped(_ value: DocumentValue, levels: Int) -> DocumentValue {
    (0..<levels).reduce(value) { inner, _ in .array([inner]) }
}

func base64URL(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

@Suite("Store decoding bounds: stored documents and client cursors")
struct CursorLimitTests {
    static let ordering = try! DocumentOrdering([SortField("time", ascending: false)])

    @Test("the deepest accepted client JSON, wrapped by a projector, encodes and decodes")
    func acceptedJSONAlwaysDecodes() throws {
        let json = try JSONValue.parse(
            String(repeating: "[", count: JSONLimits.maximumDepth) + "1" + String(repeating: "]", count: JSONLimits.maximumDepth))
        let stored = wrapped(DocumentValue(json), levels: JSONLimits.projectionAllowance - 1)
        let document: Document = ["_id": .string("d"), "data": stored]
        #expect(try DocumentCodec.decodeDocument(DocumentCodec.encode(document)) == document)
        // Its deepest sort value still fits in a cursor.
        let cursor = PageCursor.encode(DocumentOrdering.Key(values: [stored], id: .string("d")), ordering: Self.ordering)
        #expect(try PageCursor.decode(cursor, ordering: Self.ordering).values == [stored])
    }

    @Test("a cursor nested deeper than the decoded limit is refused as invalid, not read")
    func deepCursorIsRefused() throws {
        let deep = wrapped(.int(1), levels: JSONLimits.maximumDecodedDepth + 10)
        let cursor = PageCursor.encode(DocumentOrdering.Key(values: [deep], id: .string("d")), ordering: Self.ordering)
        #expect {
            try PageCursor.decode(cursor, ordering: Self.ordering)
        } throws: { error in
            (error as? StoreError)?.code == .invalidRequest && (error as? StoreError)?.message.contains("invalid cursor") == true
        }
        // A stored document that deep is refused as corrupt instead of exhausting the stack.
        #expect(throws: StoreError.self) { try DocumentCodec.decodeValue(DocumentCodec.encode(deep)) }
    }

    @Test("a cursor longer than PageCursor.maximumLength is refused before it is decoded")
    func longCursorIsRefused() throws {
        let long = DocumentValue.string(String(repeating: "x", count: PageCursor.maximumLength))
        let cursor = PageCursor.encode(DocumentOrdering.Key(values: [long], id: .string("d")), ordering: Self.ordering)
        #expect(cursor.utf8.count > PageCursor.maximumLength)
        #expect {
            try PageCursor.decode(cursor, ordering: Self.ordering)
        } throws: { error in
            (error as? StoreError)?.code == .invalidRequest && (error as? StoreError)?.message.contains("cursor") == true
        }
        #expect(throws: StoreError.self) { try PageCursor.decode(base64URL([0x09, 0xff, 0xff, 0xff, 0xff, 0x0f]), ordering: Self.ordering) }
    }
}
