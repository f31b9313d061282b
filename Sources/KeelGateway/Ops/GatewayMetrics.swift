import Prometheus
import Synchronization

/// The gateway's Prometheus metrics, in its own registry (nothing global is bootstrapped, so
/// several gateways — tests, benchmarks — can live in one process).
///
/// Thread-safe: the registry and its collectors are.
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5),
    ]

    private let accepted: Counter
    private let rejected: Counter
    private let deduplicated: Counter
    private let produceLatency: DurationHistogram
    /// The per-request series, resolved once per label set: the registry's own lookup builds
    /// label arrays and takes its lock on every call.
    private let requestSeries = Mutex<[RequestLabels: (count: Counter, duration: DurationHistogram)]>([:])

    private struct RequestLabels: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    /// Methods outside this set are counted as `OTHER`, so a client cannot grow the registry by
    /// inventing methods.
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    public init() {
        accepted = registry.makeCounter(descriptor: Self.name("events_accepted", "total", "Events appended to the log."))
        rejected = registry.makeCounter(
            descriptor: Self.name("events_rejected", "total", "Events refused (validation, permission, produce failure)."))
        deduplicated = registry.makeCounter(
            descriptor: Self.name("events_deduplicated", "total", "Events already accepted within the dedupe window (not appended again)."))
        produceLatency = registry.makeDurationHistogram(
            descriptor: Self.name("produce_duration", "seconds", "Time from produce call to durable acknowledgement, per request."),
            buckets: Self.latencyBuckets)
    }

    func eventsAccepted(_ count: Int) { if count > 0 { accepted.increment(by: Int64(count)) } }
    func eventsRejected(_ count: Int) { if count > 0 { rejected.increment(by: Int64(count)) } }
    func eventsDeduplicated(_ count: Int) { if count > 0 { deduplicated.increment(by: Int64(count)) } }
    func observeProduce(_ duration: Duration) { produceLatency.record(duration) }

    /// Counts a finished request and its latency, by route template and status.
    func observeRequest(route: String, method: String, status: Int, duration: Duration) {
        let labels = RequestLabels(route: route, method: Self.knownMethods.contains(method) ? method : "OTHER", status: status)
        let series = requestSeries.withLock { cache in
            if let series = cache[labels] { return series }
            let series = (
                count: registry.makeCounter(
                    descriptor: Self.name("http_requests", "total", "HTTP requests by route, method and status."),
                    labels: [("route", labels.route), ("method", labels.method), ("status", String(status))]),
                duration: registry.makeDurationHistogram(
                    descriptor: Self.name("http_request_duration", "seconds", "HTTP request latency by route and method."),
                    labels: [("route", labels.route), ("method", labels.method)], buckets: Self.latencyBuckets)
            )
            cache[labels] = series
            return series
        }
        series.count.increment()
        series.duration.record(duration)
    }

    /// Sets a projection's lag (records behind the log's end, summed over its partitions).
    func setProjectorLag(projection: String, records: Int64) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keel", subsystem: "projector", metricName: "lag", unitName: "records",
                helpText: "Records between a projection's checkpoint and the end of the log."),
            labels: [("projection", projection)]
        ).set(Double(records))
    }

    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "keel", subsystem: "gateway", metricName: metric, unitName: unit, helpText: help)
    }
}
