import Foundation
import KeelCore
import KeelStore
import Testing

@testable import KeelMongo

/// The BSON reader's nesting bound and the client-cursor checks (no server needed).
@Suite struct BSONDepthTests {
    static func nested(_ levels: Int) -> DocumentValue {
        (0..<levels).reduce(DocumentValue.int(1)) { inner, _ in .array([inner]) }
    }

    @Test("documents up to the stored limit decode; deeper ones throw instead of exhausting the stack")
    func readerDepth() throws {
        let deepest: Document = ["_id": .string("d"), "data": Self.nested(JSONLimits.maximumDocumentDepth - 1)]
        #expect(try BSONReader.decode(BSONWriter.encode(deepest)) == deepest)
        let tooDeep: Document = ["data": Self.nested(JSONLimits.maximumDecodedDepth + 10)]
        #expect(throws: MongoFailure.self) { try BSONReader.decode(BSONWriter.encode(tooDeep)) }
    }

    @Test("a client cursor that is too deep or too long is refused as invalid (a 400), never sent to the server")
    func cursorChecks() throws {
        let sort = [SortField("time", ascending: false)]
        let shallow = QueryCursor.Key(values: [.string("t")], id: .string("d"))
        #expect(try QueryCursor.decode(QueryCursor.encode(shallow, sort: sort), sort: sort).values == [.string("t")])
        for key in [
            QueryCursor.Key(values: [Self.nested(JSONLimits.maximumDecodedDepth + 10)], id: .string("d")),
            QueryCursor.Key(values: [.string(String(repeating: "x", count: PageCursor.maximumLength))], id: .string("d")),
        ] {
            let cursor = try QueryCursor.encode(key, sort: sort)
            #expect {
                try QueryCursor.decode(cursor, sort: sort)
            } throws: { error in
                (error as? MongoFailure)?.storeError.code == .invalidRequest
            }
        }
    }
}
