/// When a patch was acquired: a UTC instant to the second, or only a calendar date when nothing
/// better is known. Written as ISO 8601 text (`2017-06-13T16:50:43Z` or `2017-06-13`) in JSON and
/// as seconds since 1970-01-01T00:00:00Z plus a precision byte in the shard index.
public struct AcquisitionTime: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Seconds since the Unix epoch (for a date: its midnight UTC).
    public var seconds: Int64
    /// True when only the date is known.
    public var isDateOnly: Bool

    /// Years a time may lie in (what ISO text with four-digit years can say).
    static let years = 1...9999

    public init?(seconds: Int64, isDateOnly: Bool) {
        guard Self.range.contains(seconds), !isDateOnly || seconds % 86_400 == 0 else { return nil }
        self.seconds = seconds
        self.isDateOnly = isDateOnly
    }

    /// Parses `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS` with an optional `Z` or a space instead of `T`
    /// (times without a zone are taken as UTC, as Sentinel metadata gives them).
    public init?(iso text: String) {
        let c = Array(text.utf8)
        func number(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= c.count else { return nil }
            var v = 0
            for b in c[at..<(at + n)] {
                guard (48...57).contains(b) else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard c.count >= 10, c[4] == 45, c[7] == 45, let y = number(0, 4), let m = number(5, 2), let d = number(8, 2),
              Self.years.contains(y), (1...12).contains(m), (1...Self.daysIn(month: m, year: y)).contains(d) else { return nil }
        let days = Int64(Self.daysFromEpoch(year: y, month: m, day: d))
        if c.count == 10 {
            self.init(seconds: days * 86_400, isDateOnly: true)
            return
        }
        let zoned = c.count == 20 && c[19] == 90   // "Z"
        guard c.count == 19 || zoned, c[10] == 84 || c[10] == 32, c[13] == 58, c[16] == 58,
              let hh = number(11, 2), let mm = number(14, 2), let ss = number(17, 2), hh < 24, mm < 60, ss < 60 else { return nil }
        self.init(seconds: days * 86_400 + Int64(hh * 3600 + mm * 60 + ss), isDateOnly: false)
    }

    /// `YYYY-MM-DD` for a date, `YYYY-MM-DDTHH:MM:SSZ` for an instant.
    public var iso: String {
        let days = Int((seconds - ((seconds % 86_400) + 86_400) % 86_400) / 86_400)
        let (y, m, d) = Self.civil(daysFromEpoch: days)
        func pad(_ v: Int, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
        let date = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
        guard !isDateOnly else { return date }
        let s = Int(((seconds % 86_400) + 86_400) % 86_400)
        return "\(date)T\(pad(s / 3600, 2)):\(pad(s / 60 % 60, 2)):\(pad(s % 60, 2))Z"
    }

    public var description: String { iso }

    /// Seconds from 0001-01-01 to the end of 9999-12-31.
    static let range: ClosedRange<Int64> = Int64(daysFromEpoch(year: 1, month: 1, day: 1)) * 86_400
        ... Int64(daysFromEpoch(year: 9999, month: 12, day: 31)) * 86_400 + 86_399

    static func daysIn(month m: Int, year y: Int) -> Int {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day count since 1970-01-01 (`civil_from_days`).
    static func civil(daysFromEpoch z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
