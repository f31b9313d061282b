import KeelCore

/// Encodes documents into BSON bytes (little-endian, as the BSON spec defines), in pure Swift.
///
/// Guarantees: every `DocumentValue` kind is written losslessly — ints as int64, decimals as
/// Decimal128 (exactly, or an `.invalidRequest` error when the value needs more than 34 digits),
/// dates as UTC datetimes, binaries with the generic subtype. Keys containing NUL are refused.
struct BSONWriter {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(256)
    }

    static func encode(_ document: BSONDoc) throws -> [UInt8] {
        var writer = BSONWriter()
        try writer.writeDocument(document)
        return writer.bytes
    }

    static func encode(_ document: Document) throws -> [UInt8] {
        var writer = BSONWriter()
        try writer.writeObject(document)
        return writer.bytes
    }

    mutating func writeDocument(_ document: BSONDoc) throws {
        try framed {
            for (key, item) in document.fields {
                try $0.writeItem(key, item)
            }
        }
    }

    mutating func writeObject(_ object: Document) throws {
        try framed {
            for key in object.keys.sorted() {
                try $0.writeValue(key, object[key]!)
            }
        }
    }

    private mutating func writeArray(_ items: [BSONItem]) throws {
        try framed {
            for (index, item) in items.enumerated() {
                try $0.writeItem(String(index), item)
            }
        }
    }

    private mutating func writeValueArray(_ values: [DocumentValue]) throws {
        try framed {
            for (index, value) in values.enumerated() {
                try $0.writeValue(String(index), value)
            }
        }
    }

    private mutating func writeItem(_ key: String, _ item: BSONItem) throws {
        switch item {
        case .value(let value):
            try writeValue(key, value)
        case .document(let document):
            try header(0x03, key)
            try writeDocument(document)
        case .array(let items):
            try header(0x04, key)
            try writeArray(items)
        case .int32(let value):
            try header(0x10, key)
            appendInteger(UInt32(bitPattern: value))
        }
    }

    mutating func writeValue(_ key: String, _ value: DocumentValue) throws {
        switch value {
        case .null:
            try header(0x0A, key)
        case .bool(let flag):
            try header(0x08, key)
            bytes.append(flag ? 1 : 0)
        case .int(let number):
            try header(0x12, key)
            appendInteger(UInt64(bitPattern: number))
        case .double(let number):
            try header(0x01, key)
            appendInteger(number.bitPattern)
        case .decimal(let decimal):
            try header(0x13, key)
            let (low, high) = try Decimal128.encode(decimal)
            appendInteger(low)
            appendInteger(high)
        case .string(let string):
            try header(0x02, key)
            let utf8 = Array(string.utf8)
            appendInteger(UInt32(utf8.count + 1))
            bytes.append(contentsOf: utf8)
            bytes.append(0)
        case .date(let milliseconds):
            try header(0x09, key)
            appendInteger(UInt64(bitPattern: milliseconds))
        case .binary(let data):
            try header(0x05, key)
            appendInteger(UInt32(data.count))
            bytes.append(0x00)
            bytes.append(contentsOf: data)
        case .array(let values):
            try header(0x04, key)
            try writeValueArray(values)
        case .object(let object):
            try header(0x03, key)
            try writeObject(object)
        }
    }

    private mutating func header(_ type: UInt8, _ key: String) throws {
        bytes.append(type)
        let utf8 = key.utf8
        if utf8.contains(0) {
            throw MongoFailure.invalid("field name contains a NUL character: \(key.debugDescription)")
        }
        bytes.append(contentsOf: utf8)
        bytes.append(0)
    }

    private mutating func framed(_ body: (inout BSONWriter) throws -> Void) throws {
        let start = bytes.count
        appendInteger(UInt32(0))
        try body(&self)
        bytes.append(0)
        let length = UInt32(bytes.count - start)
        withUnsafeBytes(of: length.littleEndian) { raw in
            for (offset, byte) in raw.enumerated() { bytes[start + offset] = byte }
        }
    }

    private mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
