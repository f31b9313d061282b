/// Lowercase hexadecimal text of bytes, two digits per byte: ids, digests, `\u00XX` escapes.
public enum LowercaseHex {
    /// The digit of each nibble value, as UTF-8.
    public static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Self.digits
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
