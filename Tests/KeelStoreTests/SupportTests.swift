import Foundation
import KeelCore
import KeelStore
import Testing

@Suite("Store support (pure semantics)")
struct SupportTests {
    @Test("the codec round-trips every value exactly")
    func codecRoundTrip() throws {
        let document: Document = [
            "_id": .string("x"), "null": .null, "t": .bool(true), "f": .bool(false), "min": .int(.min), "max": .int(.max),
            "negZero": .double(-0.0), "inf": .double(.infinity), "pi": .double(3.141592653589793),
            "money": .decimal(Decimal(string: "-12345678901234567890.123456789")!), "date": .date(-1), "bin": .binary([0, 255, 7]),
            "emptyBin": .binary([]), "text": .string("héllo ✓"), "nested": .object(["a": .array([.int(1), .object([:]), .array([])])]),
        ]
        let decoded = try DocumentCodec.decodeDocument(DocumentCodec.encode(document))
        #expect(decoded == document)
        #expect(decoded["negZero"]?.doubleBits == (-0.0).bitPattern)
        let nan = try DocumentCodec.decodeDocument(DocumentCodec.encode(["n": .double(.nan)]))
        #expect(nan["n"]?.doubleBits == Double.nan.bitPattern)
        #expect(throws: StoreError.self) { _ = try DocumentCodec.decodeDocument([10, 5, 1]) }
    }

    @Test("update errors name the path: conflicts, _id, paths through scalars, push onto non-arrays, int overflow")
    func updateErrors() {
        func failure(_ update: DocumentUpdate, on document: Document? = ["_id": .string("d"), "s": .string("x"), "n": .int(.max)]) -> String? {
            do {
                _ = try DocumentUpdater.upsert(update, into: document, id: "d")
                return nil
            } catch {
                #expect(error.code == .invalidRequest)
                return error.message
            }
        }
        #expect(failure(DocumentUpdate(set: ["a": .int(1)], inc: ["a": .int(1)]))?.contains("'a'") == true)
        #expect(failure(DocumentUpdate(set: ["a": .int(1)], inc: ["a.b": .int(1)])) != nil)
        #expect(failure(DocumentUpdate(set: ["_id": .string("other")]))?.contains("_id") == true)
        #expect(failure(DocumentUpdate(set: ["_id": .string("d")])) == nil)
        #expect(failure(DocumentUpdate(set: ["s.deep": .int(1)]))?.contains("s.deep") == true)
        #expect(failure(DocumentUpdate(push: ["s": [.int(1)]]))?.contains("'s'") == true)
        #expect(failure(DocumentUpdate(inc: ["n": .int(1)]))?.contains("overflow") == true)
        #expect(failure(DocumentUpdate(inc: ["x": .string("1")])) != nil)
        #expect(failure(DocumentUpdate(set: ["a..b": .int(1)])) != nil)
        #expect(failure(DocumentUpdate(unset: ["s.deep", "missing.x"])) == nil, "unset through a scalar or a missing path is a no-op")
    }

    @Test("cursors round-trip and are URL-safe")
    func cursors() throws {
        let ordering = try DocumentOrdering([SortField("a", ascending: false), SortField("b.c")])
        let key = DocumentOrdering.Key(values: [.decimal(Decimal(string: "0.1")!), .null], id: .string("id/+?"))
        let cursor = PageCursor.encode(key, ordering: ordering)
        #expect(!cursor.contains("+") && !cursor.contains("/") && !cursor.contains("="))
        #expect(try PageCursor.decode(cursor, ordering: ordering) == key)
        #expect(throws: StoreError.self) { _ = try PageCursor.decode(cursor, ordering: try DocumentOrdering([SortField("a")])) }
    }

    @Test("time buckets: UTC arithmetic agrees with the calendar, before 1970 too")
    func buckets() throws {
        let utc = try TimeBucketer(unit: .hour, timeZone: "UTC")
        #expect(utc.start(ofMilliseconds: -1) == -3_600_000)
        #expect(utc.start(ofMilliseconds: 7_200_001) == 7_200_000)
        let berlinDay = try TimeBucketer(unit: .day, timeZone: "Europe/Berlin")
        #expect(berlinDay.start(ofMilliseconds: 0) == -3_600_000)
        #expect(throws: StoreError.self) { _ = try TimeBucketer(unit: .day, timeZone: "Nowhere/Land") }
    }

    @Test("unique keys treat equal numbers as duplicates and ignore object key order")
    func uniqueKeys() {
        let fields = [SortField("k")]
        #expect(IndexKeys.uniqueKey(["k": .int(1)], fields: fields) == IndexKeys.uniqueKey(["k": .double(1)], fields: fields))
        #expect(IndexKeys.uniqueKey(["k": .int(1)], fields: fields) == IndexKeys.uniqueKey(["k": .decimal(1)], fields: fields))
        #expect(IndexKeys.uniqueKey(["k": .int(1)], fields: fields) != IndexKeys.uniqueKey(["k": .string("1")], fields: fields))
        #expect(IndexKeys.uniqueKey([:], fields: fields) == IndexKeys.uniqueKey(["k": .null], fields: fields))
        let a: Document = ["k": .object(["x": .int(1), "y": .int(2), "z": .int(3), "w": .int(4)])]
        #expect(
            IndexKeys.uniqueKey(a, fields: fields)
                == IndexKeys.uniqueKey(["k": .object(["w": .int(4), "z": .int(3), "y": .int(2), "x": .int(1)])], fields: fields))
    }
}

extension DocumentValue {
    fileprivate var doubleBits: UInt64? { if case .double(let value) = self { value.bitPattern } else { nil } }
}
