/// Turns counts into `ReplayProgress` reports: rate since the start, ETA from the current lag,
/// at most one report per `interval` unless forced.
struct ProgressMeter {
    let generation: String
    let report: (ReplayProgress) -> Void
    let interval: Duration = .milliseconds(500)
    private let started = ContinuousClock.now
    private var lastReport: ContinuousClock.Instant?

    init(generation: String, report: @escaping (ReplayProgress) -> Void) {
        self.generation = generation
        self.report = report
    }

    var elapsed: Double {
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    mutating func report(_ phase: ReplayProgress.Phase, events: Int, lag: Int64, force: Bool = false) {
        let now = ContinuousClock.now
        if !force, let lastReport, now - lastReport < interval { return }
        lastReport = now
        let seconds = elapsed
        let rate = seconds > 0 ? Double(events) / seconds : 0
        report(
            ReplayProgress(
                phase: phase, generation: generation, events: events, eventsPerSecond: rate, lag: lag,
                etaSeconds: rate > 0 ? Double(lag) / rate : nil, elapsedSeconds: seconds))
    }
}
