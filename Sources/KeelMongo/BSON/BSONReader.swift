import KeelCore

/// Decodes BSON bytes into `Document`s, in pure Swift.
///
/// Guarantees: int32, int64 and timestamps read as `.int`; doubles as `.double`; Decimal128 as an exact
/// `.decimal`; datetimes as `.date` (UTC ms); binaries (any subtype) as `.binary`; ObjectIds as their
/// 24-digit hex string; regex, code and symbol as their source string; undefined, min/max key as `.null`.
/// Malformed input throws instead of reading out of bounds, and nesting deeper than
/// `JSONLimits.maximumDecodedDepth` throws instead of exhausting the stack (page cursors come from
/// clients and are read here too).
struct BSONReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0
    private var depth = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> Document {
        var reader = BSONReader(bytes)
        return try reader.readDocument()
    }

    static func decode(_ bytes: [UInt8]) throws -> Document {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    private mutating func readDocument() throws -> Document {
        var document = Document()
        try readElements { key, value in document[key] = value }
        return document
    }

    private mutating func readArray() throws -> [DocumentValue] {
        var values: [DocumentValue] = []
        try readElements { _, value in values.append(value) }
        return values
    }

    private mutating func readElements(_ sink: (String, DocumentValue) -> Void) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONLimits.maximumDecodedDepth else { throw malformed("nesting deeper than \(JSONLimits.maximumDecodedDepth) levels") }
        let start = offset
        let length = Int(try readInteger(Int32.self))
        guard length >= 5, start + length <= bytes.count else { throw malformed("document length \(length)") }
        let end = start + length - 1
        while offset < end {
            let type = try readByte()
            let key = try readCString()
            sink(key, try readValue(type))
        }
        guard offset == end, try readByte() == 0 else { throw malformed("document terminator") }
    }

    private mutating func readValue(_ type: UInt8) throws -> DocumentValue {
        switch type {
        case 0x01: return .double(Double(bitPattern: try readInteger(UInt64.self)))
        case 0x02, 0x0D, 0x0E: return .string(try readString())
        case 0x03: return .object(try readDocument())
        case 0x04: return .array(try readArray())
        case 0x05:
            let count = Int(try readInteger(Int32.self))
            _ = try readByte()  // subtype
            return .binary(Array(try take(count)))
        case 0x06, 0x0A, 0x7F, 0xFF: return .null
        case 0x07: return .string(LowercaseHex.string(try take(12)))
        case 0x08: return .bool(try readByte() != 0)
        case 0x09: return .date(try readInteger(Int64.self))
        case 0x0B:
            let pattern = try readCString()
            _ = try readCString()  // options
            return .string(pattern)
        case 0x0F:
            let start = offset
            let length = Int(try readInteger(Int32.self))
            let code = try readString()
            _ = try readDocument()
            guard offset == start + length else { throw malformed("code with scope") }
            return .string(code)
        case 0x10: return .int(Int64(try readInteger(Int32.self)))
        case 0x11: return .int(Int64(bitPattern: try readInteger(UInt64.self)))
        case 0x12: return .int(try readInteger(Int64.self))
        case 0x13:
            let low = try readInteger(UInt64.self)
            let high = try readInteger(UInt64.self)
            return .decimal(try Decimal128.decode(low: low, high: high))
        default: throw malformed("unsupported BSON type 0x\(String(type, radix: 16))")
        }
    }

    private mutating func readString() throws -> String {
        let count = Int(try readInteger(Int32.self))
        guard count >= 1 else { throw malformed("string length \(count)") }
        let raw = try take(count)
        return String(decoding: raw.dropLast(), as: UTF8.self)
    }

    private mutating func readCString() throws -> String {
        guard let end = bytes[offset...].firstIndex(of: 0) else { throw malformed("unterminated key") }
        let key = String(decoding: bytes[offset..<end], as: UTF8.self)
        offset = end + 1
        return key
    }

    private mutating func readByte() throws -> UInt8 {
        guard offset < bytes.count else { throw malformed("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func take(_ count: Int) throws -> Slice<UnsafeRawBufferPointer> {
        guard count >= 0, offset + count <= bytes.count else { throw malformed("truncated") }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    private mutating func readInteger<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw malformed("truncated") }
        defer { offset += size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    private func malformed(_ what: String) -> MongoFailure {
        .internal("malformed BSON from the server (\(what))")
    }
}
