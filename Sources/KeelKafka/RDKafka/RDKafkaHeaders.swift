import CRdKafka
import KeelCore
import KeelLog

/// Converts Keel's record headers to and from librdkafka's, byte-exact and in wire order. Stateless:
/// safe on any thread.
enum RDKafkaHeaders {
    /// A non-null address for empty buffers: librdkafka tells "empty" from "absent" by the pointer.
    nonisolated(unsafe) static let emptyBytes: UnsafeMutableRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
        p.storeBytes(of: 0, as: UInt8.self)
        return p
    }()

    /// A new `rd_kafka_headers_t` (byte-exact values; `nil` values stay null), or nil for no headers.
    static func make(_ headers: [RecordHeader]) -> OpaquePointer? {
        guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return nil }
        for header in headers {
            var name = header.name
            name.withUTF8 { nameBytes in
                let namePtr = UnsafeRawPointer(nameBytes.baseAddress ?? UnsafePointer(emptyBytes.assumingMemoryBound(to: UInt8.self)))
                    .assumingMemoryBound(to: CChar.self)
                if let value = header.value {
                    value.withUnsafeBytes { valueBytes in
                        _ = rd_kafka_header_add(
                            list, namePtr, nameBytes.count,
                            valueBytes.baseAddress ?? UnsafeRawPointer(emptyBytes), valueBytes.count
                        )
                    }
                } else {
                    _ = rd_kafka_header_add(list, namePtr, nameBytes.count, nil, 0)
                }
            }
        }
        return list
    }

    /// The headers of a consumed message, in wire order.
    static func read(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> [RecordHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var result: [RecordHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
            let headerName = name.map { String(cString: $0) } ?? ""
            let bytes: [UInt8]? = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(RecordHeader(name: headerName, value: bytes))
            index += 1
        }
        return result
    }
}
