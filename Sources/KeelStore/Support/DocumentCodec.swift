import Foundation
import KeelCore

/// A compact, exact binary encoding of `DocumentValue`s: what the embedded store keeps in its
/// rows and what cursors carry.
///
/// Guarantees: `decode(encode(v)) == v` for every value — integers, doubles (bit-exact, NaN and
/// signed zero included), decimals (their exact decimal digits), dates and binary keep their
/// type. Object field order is not preserved (documents compare by content). Encodings are
/// deterministic only up to object field order, so do not compare encodings for equality.
///
/// Decoding refuses nesting deeper than `JSONLimits.maximumDecodedDepth` (a stored document of
/// `JSONLimits.maximumDocumentDepth` inside a cursor's envelope), so a hostile cursor cannot
/// exhaust the stack and every document holding accepted client JSON decodes.
///
/// Format: a tag byte, then the payload; lengths and counts are LEB128 varints, fixed-width
/// numbers are little-endian.
public enum DocumentCodec {
    static let posix = Locale(identifier: "en_US_POSIX")

    /// Stored on disk: a tag's value never changes.
    enum Tag: UInt8 {
        case null = 0
        case `false` = 1
        case `true` = 2
        case int = 3
        case double = 4
        case decimal = 5
        case string = 6
        case date = 7
        case binary = 8
        case array = 9
        case object = 10
    }

    /// Encodes a document (as an object value).
    public static func encode(_ document: Document) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + document.count * 24)
        appendObject(document, to: &out)
        return out
    }

    public static func encode(_ value: DocumentValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    /// Decodes a document written by `encode(_: Document)`.
    public static func decodeDocument(_ bytes: UnsafeRawBufferPointer) throws(StoreError) -> Document {
        var reader = Reader(bytes)
        guard case .object(let document) = try reader.value(), reader.atEnd else {
            throw StoreError(.internalError, "stored document is not an encoded object")
        }
        return document
    }

    public static func decodeDocument(_ bytes: [UInt8]) throws(StoreError) -> Document {
        try bytes.withUnsafeBytes { raw in Result { () throws(StoreError) in try decodeDocument(raw) } }.get()
    }

    public static func decodeValue(_ bytes: [UInt8]) throws(StoreError) -> DocumentValue {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) -> DocumentValue in
                var reader = Reader(raw)
                let value = try reader.value()
                guard reader.atEnd else { throw StoreError(.invalidRequest, "trailing bytes after an encoded value") }
                return value
            }
        }.get()
    }

    // MARK: Encoding

    static func append(_ value: DocumentValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(Tag.null.rawValue)
        case .bool(let flag): out.append(flag ? Tag.true.rawValue : Tag.false.rawValue)
        case .int(let number):
            out.append(Tag.int.rawValue)
            appendFixed(UInt64(bitPattern: number), to: &out)
        case .double(let number):
            out.append(Tag.double.rawValue)
            appendFixed(number.bitPattern, to: &out)
        case .decimal(let number):
            out.append(Tag.decimal.rawValue)
            appendBytes(number.description.utf8, to: &out)
        case .string(let text):
            out.append(Tag.string.rawValue)
            appendBytes(text.utf8, to: &out)
        case .date(let milliseconds):
            out.append(Tag.date.rawValue)
            appendFixed(UInt64(bitPattern: milliseconds), to: &out)
        case .binary(let bytes):
            out.append(Tag.binary.rawValue)
            appendBytes(bytes, to: &out)
        case .array(let values):
            out.append(Tag.array.rawValue)
            appendVarint(UInt64(values.count), to: &out)
            for element in values { append(element, to: &out) }
        case .object(let object):
            appendObject(object, to: &out)
        }
    }

    static func appendObject(_ object: Document, to out: inout [UInt8]) {
        out.append(Tag.object.rawValue)
        appendVarint(UInt64(object.count), to: &out)
        for (key, element) in object {
            appendBytes(key.utf8, to: &out)
            append(element, to: &out)
        }
    }

    @inline(__always) static func appendFixed(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always) static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    @inline(__always) static func appendBytes<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        appendVarint(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    // MARK: Decoding

    struct Reader {
        let base: UnsafeRawBufferPointer
        var position = 0
        var depth = 0

        init(_ base: UnsafeRawBufferPointer) { self.base = base }

        var atEnd: Bool { position == base.count }

        static func corrupt(_ what: String) -> StoreError {
            StoreError(.internalError, "corrupt encoded document: \(what)")
        }

        @inline(__always) mutating func byte() throws(StoreError) -> UInt8 {
            guard position < base.count else { throw Self.corrupt("truncated") }
            defer { position += 1 }
            return base[position]
        }

        @inline(__always) mutating func fixed() throws(StoreError) -> UInt64 {
            guard position + 8 <= base.count else { throw Self.corrupt("truncated number") }
            var value: UInt64 = 0
            withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: base[position..<position + 8])) }
            position += 8
            return UInt64(littleEndian: value)
        }

        @inline(__always) mutating func varint() throws(StoreError) -> Int {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = try byte()
                result |= UInt64(next & 0x7f) << shift
                if next < 0x80 { break }
                shift += 7
                guard shift < 63 else { throw Self.corrupt("varint too long") }
            }
            guard result <= UInt64(Int32.max) else { throw Self.corrupt("length") }
            return Int(result)
        }

        @inline(__always) mutating func slice() throws(StoreError) -> UnsafeRawBufferPointer {
            let count = try varint()
            guard count <= base.count - position else { throw Self.corrupt("truncated bytes") }
            defer { position += count }
            return UnsafeRawBufferPointer(rebasing: base[position..<position + count])
        }

        @inline(__always) mutating func string() throws(StoreError) -> String {
            String(decoding: try slice(), as: UTF8.self)
        }

        private func checkDepth() throws(StoreError) {
            guard depth <= JSONLimits.maximumDecodedDepth else {
                throw Self.corrupt("nesting deeper than \(JSONLimits.maximumDecodedDepth) levels")
            }
        }

        mutating func value() throws(StoreError) -> DocumentValue {
            guard let tag = Tag(rawValue: try byte()) else { throw Self.corrupt("unknown tag") }
            switch tag {
            case .null: return .null
            case .false: return .bool(false)
            case .true: return .bool(true)
            case .int: return .int(Int64(bitPattern: try fixed()))
            case .double: return .double(Double(bitPattern: try fixed()))
            case .date: return .date(Int64(bitPattern: try fixed()))
            case .string: return .string(try string())
            case .binary: return .binary([UInt8](try slice()))
            case .decimal:
                let text = try string()
                guard let number = Decimal(string: text, locale: DocumentCodec.posix) else { throw Self.corrupt("decimal '\(text)'") }
                return .decimal(number)
            case .array:
                let count = try varint()
                depth += 1
                defer { depth -= 1 }
                try checkDepth()
                var values: [DocumentValue] = []
                values.reserveCapacity(Swift.min(count, 1024))
                for _ in 0..<count { values.append(try value()) }
                return .array(values)
            case .object:
                let count = try varint()
                depth += 1
                defer { depth -= 1 }
                try checkDepth()
                var object = Document(minimumCapacity: Swift.min(count, 1024))
                for _ in 0..<count {
                    let key = try string()
                    object[key] = try value()
                }
                return .object(object)
            }
        }
    }
}
