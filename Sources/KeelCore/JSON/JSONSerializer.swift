#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

extension JSONValue {
    /// Compact JSON text (UTF-8): no whitespace, object keys sorted by their UTF-8 bytes, so equal
    /// values always serialize to identical bytes. Control characters, `"` and `\` are escaped;
    /// everything else is emitted as raw UTF-8. Doubles use Swift's shortest round-tripping form,
    /// so `parse(serialized())` gives back an equal value. (Non-finite doubles cannot come from
    /// `parse`; if built by hand they are written as `null`, since JSON has no spelling for them.)
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        write(into: &output)
        return output
    }

    /// `serialized()` as a `String`.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }

    private func write(into output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value):
            output.append(contentsOf: String(value).utf8)
        case .double(let value):
            if value.isFinite {
                output.append(contentsOf: value.description.utf8)
            } else {
                output.append(contentsOf: "null".utf8)
            }
        case .string(let value):
            JSONValue.writeString(value, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted(by: JSONValue.precedesInUTF8)
            for (index, key) in keys.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONValue.writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                members[key]!.write(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Byte order of the UTF-8 forms, compared in place (`String`'s own `<` orders by Unicode
    /// scalars after normalisation, which is not byte order; the generic `UTF8View` comparison is
    /// several times slower, and this runs for every key of every serialized object).
    static func precedesInUTF8(_ left: String, _ right: String) -> Bool {
        var left = left
        var right = right
        return left.withUTF8 { l in
            right.withUTF8 { r in
                let common = min(l.count, r.count)
                if common > 0, let lb = l.baseAddress, let rb = r.baseAddress {
                    let order = memcmp(lb, rb, common)
                    if order != 0 { return order < 0 }
                }
                return l.count < r.count
            }
        }
    }

    /// Appends `string` as a JSON string literal (quoted and escaped, as `serialized()` does),
    /// for callers that write a fixed-shape object directly.
    public static func appendString(_ string: String, to output: inout [UInt8]) {
        writeString(string, into: &output)
    }

    private static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                output.append(contentsOf: "\\u00".utf8)
                output.append(LowercaseHex.digits[Int(byte >> 4)])
                output.append(LowercaseHex.digits[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { jsonString }
}

extension JSONValue {
    /// Equality as JSON Schema defines it: numbers compare by mathematical value (`1 == 1.0`),
    /// everything else structurally.
    public func isJSONEqual(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        case (.int, .double), (.double, .int), (.double, .double):
            return JSONNumber.compare(self, other) == 0
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isJSONEqual(to: $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let otherValue = b[key], value.isJSONEqual(to: otherValue) else { return false }
            }
            return true
        default:
            return self == other
        }
    }
}

/// Exact comparison of JSON numbers mixing `Int64` and `Double`.
enum JSONNumber {
    /// -1, 0 or 1; `nil` when either side is not a number.
    static func compare(_ lhs: JSONValue, _ rhs: JSONValue) -> Int? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.double(let a), .double(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .double(let b)): return compareMixed(a, b)
        case (.double(let a), .int(let b)): return -compareMixed(b, a)
        default: return nil
        }
    }

    /// Compares an integer with a double without losing precision beyond 2^53.
    private static func compareMixed(_ a: Int64, _ b: Double) -> Int {
        if b >= 9_223_372_036_854_775_808.0 { return -1 }
        if b < -9_223_372_036_854_775_808.0 { return 1 }
        let truncated = Int64(b.rounded(.towardZero))
        if a < truncated { return -1 }
        if a > truncated { return 1 }
        let fraction = b - b.rounded(.towardZero)
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }
}
