/// Durations as written in definitions: `250ms`, `30s`, `5m`, `2h`, `7d`, or a sum like `1h30m`.
/// A bare integer is seconds (Linq writes cache TTLs as `"3600"`).
public enum DurationText {
    public static func milliseconds(_ text: String) -> Int64? {
        if let seconds = Int64(text), seconds >= 0 { return seconds.multipliedReportingOverflow(by: 1000).overflow ? nil : seconds * 1000 }
        var total: Int64 = 0
        var digits = ""
        var characters = Array(text)[...]
        guard !characters.isEmpty else { return nil }
        while let character = characters.first {
            if character.isASCII, character.isNumber {
                digits.append(character)
                characters = characters.dropFirst()
                continue
            }
            guard let value = Int64(digits) else { return nil }
            digits = ""
            let unit: Int64
            if characters.starts(with: "ms") {
                unit = 1
                characters = characters.dropFirst(2)
            } else {
                switch character {
                case "s": unit = 1000
                case "m": unit = 60_000
                case "h": unit = 3_600_000
                case "d": unit = 86_400_000
                default: return nil
                }
                characters = characters.dropFirst()
            }
            let (product, overflow) = value.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return digits.isEmpty ? total : nil
    }

    /// Renders milliseconds in the largest exact unit (`90s`, `5m`, `250ms`).
    public static func format(_ milliseconds: Int64) -> String {
        for (unit, suffix) in [(Int64(86_400_000), "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")]
        where milliseconds > 0 && milliseconds % unit == 0 {
            return "\(milliseconds / unit)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
