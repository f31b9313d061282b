import Foundation
import KeelCore

/// Truncates instants to the start of their hour, day or month in an IANA time zone, DST-correct
/// (a Berlin day starts at local midnight whatever the UTC offset; the repeated autumn hour is
/// two distinct hour buckets).
public struct TimeBucketer: Sendable {
    public let unit: TimeBucket.Unit
    public let timeZone: TimeZone
    private let calendar: Calendar
    private let isUTC: Bool

    /// Throws `.invalidRequest` for a zone name Foundation does not know.
    public init(unit: TimeBucket.Unit, timeZone identifier: String) throws(StoreError) {
        guard let zone = TimeZone(identifier: identifier) else {
            throw StoreError(.invalidRequest, "unknown time zone '\(identifier)' (expected an IANA name such as Europe/Berlin)")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.unit = unit
        self.timeZone = zone
        self.calendar = calendar
        isUTC = zone.secondsFromGMT() == 0 && zone.nextDaylightSavingTimeTransition == nil
    }

    /// The bucket start (UTC milliseconds) of the instant `milliseconds`.
    public func start(ofMilliseconds milliseconds: Int64) -> Int64 {
        if isUTC {
            switch unit {
            case .hour: return floor(milliseconds, 3_600_000)
            case .day: return floor(milliseconds, 86_400_000)
            case .month: break
            }
        }
        let component: Calendar.Component =
            switch unit {
            case .hour: .hour
            case .day: .day
            case .month: .month
            }
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        guard let interval = calendar.dateInterval(of: component, for: date) else { return milliseconds }
        return Int64((interval.start.timeIntervalSince1970 * 1000).rounded())
    }

    @inline(__always)
    private func floor(_ value: Int64, _ step: Int64) -> Int64 {
        let remainder = value % step
        return remainder < 0 ? value - remainder - step : value - remainder
    }
}
