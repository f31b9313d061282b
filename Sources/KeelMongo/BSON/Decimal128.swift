import CMongoC
import Foundation

/// Exact conversion between Foundation `Decimal` and BSON Decimal128, through libbson's decimal string
/// functions (`bson_decimal128_from_string` / `bson_decimal128_to_string`).
///
/// Guarantees: a value converts exactly or not at all — a `Decimal` with more than 34 significant
/// digits is refused (`.invalidRequest`), and a Decimal128 outside `Decimal`'s range (or ±Infinity)
/// is reported as an internal error. NaN maps to `Decimal.nan` both ways.
enum Decimal128 {
    static func encode(_ value: Decimal) throws -> (low: UInt64, high: UInt64) {
        let text = value.isNaN ? "NaN" : value.description
        var result = bson_decimal128_t()
        guard bson_decimal128_from_string(text, &result) else {
            throw MongoFailure.invalid("decimal \(text) cannot be stored exactly as Decimal128 (more than 34 digits)")
        }
        return (result.low, result.high)
    }

    static func decode(low: UInt64, high: UInt64) throws -> Decimal {
        var value = bson_decimal128_t()
        value.low = low
        value.high = high
        var buffer = [CChar](repeating: 0, count: Int(BSON_DECIMAL128_STRING))
        bson_decimal128_to_string(&value, &buffer)
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if text == "NaN" { return .nan }
        guard let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw MongoFailure.internal("Decimal128 \(text) is outside the range of Foundation.Decimal")
        }
        return decimal
    }
}
