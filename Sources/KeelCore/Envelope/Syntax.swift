/// Small hand-written recognisers for the grammars the CloudEvents spec points at. Internal: the
/// envelope and the schema validator share them.
enum Syntax {
    // MARK: RFC 3986

    private static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }

    /// unreserved / sub-delims / ":" / "@" / "/" / "?" — the characters allowed in a path, query
    /// or fragment (RFC 3986 §3.3–3.5), apart from percent-encodings.
    private static func isURICharacter(_ b: UInt8) -> Bool {
        if isAlpha(b) || isDigit(b) { return true }
        switch b {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),  // unreserved
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="),  // sub-delims
            UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986 `URI-reference` (absolute or relative). Checks the scheme, the character set
    /// (with well-formed `%XX`), one `#` at most, and `[...]` only as an IP literal host.
    static func isURIReference(_ text: String) -> Bool {
        hasScheme(text) != nil
    }

    /// RFC 3986 `URI`: a URI-reference that has a scheme.
    static func isAbsoluteURI(_ text: String) -> Bool {
        hasScheme(text) == true
    }

    /// `nil` when `text` is not a URI-reference; otherwise whether it has a scheme.
    private static func hasScheme(_ text: String) -> Bool? {
        let b = Array(text.utf8)
        var index = 0
        var hasScheme = false
        // A colon before any "/", "?" or "#" ends a scheme; otherwise the reference is relative
        // (and RFC 3986 forbids a colon in its first path segment, which this also catches).
        if let firstDelimiter = b.firstIndex(where: { [UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains($0) }),
            b[firstDelimiter] == UInt8(ascii: ":")
        {
            guard firstDelimiter > 0, isAlpha(b[0]),
                b[1..<firstDelimiter].allSatisfy({
                    isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
                })
            else { return nil }
            hasScheme = true
            index = firstDelimiter + 1
        }
        // Authority: "//" up to the next "/", "?" or "#"; the only place brackets may appear.
        var authorityEnd = index
        if index + 1 < b.count, b[index] == UInt8(ascii: "/"), b[index + 1] == UInt8(ascii: "/") {
            authorityEnd = index + 2
            while authorityEnd < b.count, ![UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(b[authorityEnd]) {
                authorityEnd += 1
            }
            let authority = b[(index + 2)..<authorityEnd]
            if let open = authority.firstIndex(of: UInt8(ascii: "[")) {
                guard let close = authority.firstIndex(of: UInt8(ascii: "]")), close > open,
                    authority[(open + 1)..<close].allSatisfy({
                        isHex($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "v")
                    })
                else { return nil }
            } else if authority.contains(UInt8(ascii: "]")) {
                return nil
            }
        }
        var sawFragment = false
        var position = index
        while position < b.count {
            let byte = b[position]
            if position < authorityEnd, byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") {
                position += 1
                continue
            }
            if byte == UInt8(ascii: "%") {
                guard position + 2 < b.count, isHex(b[position + 1]), isHex(b[position + 2]) else { return nil }
                position += 3
                continue
            }
            if byte == UInt8(ascii: "#") {
                if sawFragment { return nil }
                sawFragment = true
            } else if !isURICharacter(byte) {
                return nil
            }
            position += 1
        }
        return hasScheme
    }

    // MARK: RFC 2045/2046 media types (with RFC 9110 parameter syntax)

    /// tchar from RFC 9110 §5.6.2.
    private static func isTokenCharacter(_ b: UInt8) -> Bool {
        if isAlpha(b) || isDigit(b) { return true }
        return "!#$%&'*+-.^_`|~".utf8.contains(b)
    }

    /// `type "/" subtype *( OWS ";" OWS name "=" ( token / quoted-string ) )`.
    static func isMediaType(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        func token() -> Bool {
            let start = i
            while i < b.count, isTokenCharacter(b[i]) { i += 1 }
            return i > start
        }
        func whitespace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        }
        guard token(), i < b.count, b[i] == UInt8(ascii: "/") else { return false }
        i += 1
        guard token() else { return false }
        while true {
            whitespace()
            if i == b.count { return true }
            guard b[i] == UInt8(ascii: ";") else { return false }
            i += 1
            whitespace()
            guard token(), i < b.count, b[i] == UInt8(ascii: "=") else { return false }
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "\"") {
                i += 1
                var closed = false
                while i < b.count {
                    if b[i] == UInt8(ascii: "\\") {
                        i += 2
                        continue
                    }
                    if b[i] == UInt8(ascii: "\"") {
                        closed = true
                        i += 1
                        break
                    }
                    guard b[i] >= 0x20 || b[i] == 0x09, b[i] != 0x7F else { return false }
                    i += 1
                }
                guard closed else { return false }
            } else {
                guard token() else { return false }
            }
        }
    }

    /// The lowercased `type/subtype` of a media type, parameters dropped.
    static func mediaTypeEssence(_ text: String) -> String {
        // Runs for every record decoded: one byte scan, and no allocation when the text is
        // already a bare lowercase essence (`application/json`), which is almost always.
        let utf8 = text.utf8
        var start = utf8.startIndex
        while start != utf8.endIndex, utf8[start] == 0x20 || utf8[start] == 0x09 { start = utf8.index(after: start) }
        var end = utf8.firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex
        while end > start {
            let before = utf8.index(before: end)
            guard utf8[before] == 0x20 || utf8[before] == 0x09 else { break }
            end = before
        }
        let essence = utf8[start..<end]
        if start == utf8.startIndex, end == utf8.endIndex, !essence.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) {
            return text
        }
        return String(decoding: essence.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// `application/json`, or any `+json` structured-syntax suffix (RFC 6839).
    static func isJSONMediaType(_ text: String) -> Bool {
        let essence = mediaTypeEssence(text)
        return essence == "application/json" || essence.hasSuffix("+json")
    }

    /// `application/cloudevents` or any of its formats (`+json`, `-batch+json`, …): a whole
    /// event, never a type for an event's data.
    static func isCloudEventsFormat(_ text: String) -> Bool {
        mediaTypeEssence(text).hasPrefix("application/cloudevents")
    }

    static func isTextMediaType(_ text: String) -> Bool {
        mediaTypeEssence(text).hasPrefix("text/")
    }
}

extension StringProtocol {
    /// Trims any of `characters` from both ends (Foundation-free so it stays cheap).
    func trimming(_ characters: String) -> String {
        let set = Set(characters.unicodeScalars)
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !set.contains($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !set.contains($0) })!
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars[first...last])
        return result
    }
}
