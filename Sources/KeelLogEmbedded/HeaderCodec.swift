import KeelCore

/// Encodes a record's headers into one BLOB (stored NULL when there are none).
///
/// Layout: `count` varint, then per header: name length varint, UTF-8 name bytes, value tag
/// varint (0 = nil value, n + 1 = n value bytes follow), value bytes. Order and duplicates are
/// kept; a nil value and an empty value stay distinct.
enum HeaderCodec {
    static func encode(_ headers: [RecordHeader]) -> [UInt8]? {
        if headers.isEmpty { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(headers.reduce(4) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) + 4 })
        putVarint(UInt64(headers.count), into: &out)
        for header in headers {
            var name = header.name
            name.withUTF8 { utf8 in
                putVarint(UInt64(utf8.count), into: &out)
                out.append(contentsOf: utf8)
            }
            if let value = header.value {
                putVarint(UInt64(value.count) + 1, into: &out)
                out.append(contentsOf: value)
            } else {
                putVarint(0, into: &out)
            }
        }
        return out
    }

    /// Decodes what `encode` wrote; `nil` buffer → no headers. Malformed input → `nil`.
    static func decode(_ buffer: UnsafeRawBufferPointer?) -> [RecordHeader]? {
        guard let buffer, buffer.count > 0, let base = buffer.baseAddress else { return [] }
        let bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: buffer.count)
        var index = 0
        guard let count = readVarint(bytes, &index), count < UInt64(bytes.count) else { return nil }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let nameLength = readVarint(bytes, &index).map(Int.init), nameLength <= bytes.count - index else { return nil }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<(index + nameLength)]), as: UTF8.self)
            index += nameLength
            guard let tag = readVarint(bytes, &index) else { return nil }
            if tag == 0 {
                headers.append(RecordHeader(name: name, value: nil))
            } else {
                let length = Int(tag - 1)
                guard length <= bytes.count - index else { return nil }
                headers.append(RecordHeader(name: name, value: Array(UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]))))
                index += length
            }
        }
        return headers
    }

    @inline(__always) static func putVarint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always) static func readVarint(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        return nil
    }
}
