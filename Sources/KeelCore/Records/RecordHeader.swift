/// One header of a log record, as Kafka defines it: a name and an optional byte value.
///
/// Names are UTF-8 strings; values are opaque bytes and round-trip byte-exact through every
/// `EventLog` adapter (a `nil` value and an empty value are different things, as in Kafka).
public struct RecordHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header whose value is the UTF-8 encoding of `text`.
    public init(name: String, text: String) {
        self.name = name
        self.value = Array(text.utf8)
    }

    /// The value decoded as UTF-8, or `nil` when absent or not valid UTF-8.
    public var text: String? {
        guard let value else { return nil }
        return String(validating: value, as: UTF8.self)
    }
}
