/// Decodes the body of a quoted identifier: JSON string escapes (`\"`, `\\`, `\/`, `\b`, `\f`,
/// `\n`, `\r`, `\t`, `\uXXXX` with surrogate pairs). Unescaped control characters are accepted,
/// as the reference implementation accepts them; unknown escapes and lone surrogates are not.
enum JMESPathStringDecoder {
    static func decode(_ body: ArraySlice<Unicode.Scalar>, offset: Int) throws(JMESPathError) -> String {
        var output = String.UnicodeScalarView()
        var index = body.startIndex
        while index < body.endIndex {
            let scalar = body[index]
            index += 1
            guard scalar == "\\" else {
                output.append(scalar)
                continue
            }
            guard index < body.endIndex else { throw .syntax("unterminated escape in quoted identifier", at: offset) }
            let escape = body[index]
            index += 1
            switch escape {
            case "\"", "\\", "/": output.append(escape)
            case "b": output.append("\u{08}")
            case "f": output.append("\u{0C}")
            case "n": output.append("\n")
            case "r": output.append("\r")
            case "t": output.append("\t")
            case "u":
                let high = try hex4(body, &index, offset: offset)
                if (0xD800..<0xDC00).contains(high) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard index + 1 < body.endIndex, body[index] == "\\", body[index + 1] == "u" else {
                        throw .syntax("unpaired surrogate in quoted identifier", at: offset)
                    }
                    index += 2
                    let low = try hex4(body, &index, offset: offset)
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw .syntax("unpaired surrogate in quoted identifier", at: offset)
                    }
                    output.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!)
                } else if let decoded = Unicode.Scalar(high) {
                    output.append(decoded)
                } else {
                    throw .syntax("unpaired surrogate in quoted identifier", at: offset)
                }
            default:
                throw .syntax("invalid escape '\\\(escape)' in quoted identifier", at: offset)
            }
        }
        return String(output)
    }

    private static func hex4(_ body: ArraySlice<Unicode.Scalar>, _ index: inout Int, offset: Int) throws(JMESPathError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < body.endIndex, body[index].isASCII, let digit = UInt32(String(body[index]), radix: 16) else {
                throw .syntax("expected four hex digits after \\u", at: offset)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
