import Foundation
import KeelCore
import Testing

@testable import KeelMongo

/// The pure-Swift BSON codec and the Decimal128 conversion (no server needed).
@Suite struct BSONCodecTests {
    static let everyKind: Document = [
        "_id": .string("doc-1"),
        "null": .null,
        "yes": .bool(true),
        "no": .bool(false),
        "int": .int(-9_007_199_254_740_993),
        "big": .int(Int64.max),
        "double": .double(3.141592653589793),
        "money": .decimal(Decimal(string: "12345678901234567890.123456789012")!),
        "tiny": .decimal(Decimal(string: "-0.000000000000000000000000000001")!),
        "date": .date(1_763_712_000_123),
        "before1970": .date(-86_400_001),
        "bytes": .binary([0, 1, 2, 254, 255]),
        "unicode": .string("Grüße, 世界 🚀 \u{0}inside"),
        "nested": .object(["a": .object(["b": .array([.int(1), .string("x"), .object(["c": .null])])])]),
        "empty": .object([:]),
        "list": .array([]),
    ]

    @Test func roundTripsEveryValueKind() throws {
        let bytes = try BSONWriter.encode(Self.everyKind)
        #expect(try BSONReader.decode(bytes) == Self.everyKind)
    }

    @Test func decimal128IsExact() throws {
        for text in ["0", "0.1", "-0.1", "1.50", "99999999999999999999999999999999.99", "1E+30", "-123.456E-20"] {
            let value = Decimal(string: text)!
            let (low, high) = try Decimal128.encode(value)
            #expect(try Decimal128.decode(low: low, high: high) == value, "\(text)")
        }
    }

    @Test func decimalBeyond34DigitsIsRefused() {
        let tooPrecise = Decimal(string: "1234567890123456789012345678901234567")!
        #expect(throws: MongoFailure.self) { try Decimal128.encode(tooPrecise) }
    }

    @Test func readsInt32AsInt() throws {
        // {"n": int32 7}
        let bytes: [UInt8] = [12, 0, 0, 0, 0x10, 0x6E, 0, 7, 0, 0, 0, 0]
        #expect(try BSONReader.decode(bytes) == ["n": .int(7)])
    }

    @Test func readsAnObjectIdAsItsLowercaseHex() throws {
        // {"_id": ObjectId("0a1b2c3d4e5f60718293a4b5")}: 4 + (1 + 4 + 12) + 1 = 22 bytes
        let id: [UInt8] = [0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5]
        let bytes: [UInt8] = [22, 0, 0, 0, 0x07, 0x5F, 0x69, 0x64, 0] + id + [0]
        #expect(try BSONReader.decode(bytes) == ["_id": .string("0a1b2c3d4e5f60718293a4b5")])
    }

    @Test func malformedInputThrows() {
        #expect(throws: MongoFailure.self) { try BSONReader.decode([200, 0, 0, 0, 0]) }
        #expect(throws: MongoFailure.self) { try BSONReader.decode([12, 0, 0, 0, 0x42, 0x6E, 0, 7, 0, 0, 0, 0]) }
    }

    @Test func orderedDocumentsKeepFieldOrder() throws {
        let bytes = try BSONWriter.encode(["z": 1, "a": 2, "m": 3] as BSONDoc)
        let keys = String(decoding: bytes.filter { (0x61...0x7A).contains($0) }, as: UTF8.self)
        #expect(keys == "zam")
    }

    @Test func redactsCredentials() {
        #expect(MongoClientPool.redacted("mongodb://user:secret@db.example:27017/keel?tls=true") == "mongodb://db.example:27017/keel?tls=true")
        #expect(MongoClientPool.redacted("mongodb://127.0.0.1:1/x") == "mongodb://127.0.0.1:1/x")
    }
}
