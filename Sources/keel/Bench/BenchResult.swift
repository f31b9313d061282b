import Foundation
import KeelCore

/// One measured line of a benchmark, with the target it is judged against.
struct BenchResult {
    enum Target {
        /// At least this many events per second.
        case absolute(Double)
        /// At least `ratio` × the reference's events per second, measured in the same run.
        case ratio(Double, referenceRate: Double)
    }

    var log: String
    var operation: String
    var events: Int
    var seconds: Double
    var target: Target

    var rate: Double { seconds > 0 ? Double(events) / seconds : 0 }

    var referenceRate: Double? {
        if case .ratio(_, let reference) = target { return reference }
        return nil
    }

    var ratio: Double? { referenceRate.map { $0 > 0 ? rate / $0 : 0 } }

    var met: Bool {
        switch target {
        case .absolute(let minimum): rate >= minimum
        case .ratio(let minimum, _): (ratio ?? 0) >= minimum
        }
    }

    var targetText: String {
        switch target {
        case .absolute(let minimum): "≥ \(Int(minimum))/s"
        case .ratio(let minimum, _): "≥ \(minimum)× ref"
        }
    }

    var row: [String] {
        [
            log, operation, "\(events)", String(format: "%.2f", seconds), "\(Int(rate))",
            referenceRate.map { "\(Int($0))" } ?? "-", ratio.map { String(format: "%.2f", $0) } ?? "-",
            targetText, met ? "yes" : "NO",
        ]
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "log": .string(log), "operation": .string(operation), "events": .int(Int64(events)),
            "seconds": .double(seconds), "eventsPerSecond": .double(rate), "target": .string(targetText), "met": .bool(met),
        ]
        if let referenceRate { object["referenceEventsPerSecond"] = .double(referenceRate) }
        if let ratio { object["ratio"] = .double(ratio) }
        return .object(object)
    }
}

/// The C librdkafka client the Kafka numbers are compared with (Scripts/bench/rdkafka_ref.c).
struct ReferenceClient {
    var path: String
    var bootstrap: String

    /// Runs one mode and returns its events per second.
    func run(_ arguments: [String]) throws -> Double {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CLIFailure.runtime("no reference client at \(path): build it with Scripts/bench/build-ref.sh")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [arguments[0], "--bootstrap", bootstrap] + arguments.dropFirst()
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
            let json = try? JSONValue.parse(String(line)),
            let rate = json["rate"]?.doubleValue
        else {
            throw CLIFailure.runtime(
                "reference client \(arguments[0]) failed (exit \(process.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
        }
        return rate
    }
}
