// The internal RD… layer: every call into librdkafka lives in this folder, and only here is
// `CRdKafka` imported. Nothing here is public; KafkaEventLog and KafkaConsumer see Swift types only.
import CRdKafka

/// Conversions the Kafka adapter shares (durations to librdkafka's milliseconds, C strings).
enum RDKafka {
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, ms))
    }

    /// `10s`, `1.5s`, `250ms`.
    static func format(_ duration: Duration) -> String {
        let ms = Int64(milliseconds(duration))
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        if ms >= 1000 { return "\(Double(ms) / 1000)s" }
        return "\(ms)ms"
    }

    /// A NUL-terminated C string buffer.
    static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    static var runtimeVersion: String { String(cString: rd_kafka_version_str()) }
}

/// Bytes of a C buffer; `nil` pointer → `nil` (absent), non-nil with length 0 → `[]`.
@inline(__always)
func rdBytes(_ pointer: UnsafeMutableRawPointer?, _ length: Int) -> [UInt8]? {
    guard let pointer else { return nil }
    if length == 0 { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: length))
}
