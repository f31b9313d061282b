/// One schema step of an event type: a pure function from `data` at `fromVersion` to `data` at
/// `fromVersion + 1`. Throws `ProjectionError` (code `upcast`) when the data cannot be lifted —
/// the event is then poison for the projector that asked for the newer version.
public struct Upcaster: Sendable {
    public var type: String
    public var fromVersion: Int
    public var transform: @Sendable (JSONValue) throws(ProjectionError) -> JSONValue

    public init(type: String, fromVersion: Int, transform: @escaping @Sendable (JSONValue) throws(ProjectionError) -> JSONValue) {
        self.type = type
        self.fromVersion = fromVersion
        self.transform = transform
    }
}

/// The registry of upcasters, applied on read — live and on replay alike — so the log keeps the
/// events exactly as they were written and projectors only ever see the version they expect.
///
/// Guarantees: `upcast` is pure; it applies v(n)→v(n+1) steps in order from the event's
/// `dataversion` (absent means 1) to the target; it never downcasts (an event newer than the
/// target is returned unchanged — the projector decides whether it understands it); a missing
/// step or a failing step is a `ProjectionError` (poison), never a silent pass-through.
public struct UpcasterChain: Sendable {
    private var steps: [String: [Int: Upcaster]] = [:]

    public init(_ upcasters: [Upcaster] = []) {
        for upcaster in upcasters { register(upcaster) }
    }

    /// Adds (or replaces) the step from `upcaster.fromVersion` for its type.
    public mutating func register(_ upcaster: Upcaster) {
        steps[upcaster.type, default: [:]][upcaster.fromVersion] = upcaster
    }

    /// The step from `version` of `type`, if registered.
    public func upcaster(for type: String, from version: Int) -> Upcaster? {
        steps[type]?[version]
    }

    /// The highest version reachable for `type` by chained steps from v1 (1 when none).
    public func latestVersion(of type: String) -> Int {
        var version = 1
        while steps[type]?[version] != nil { version += 1 }
        return version
    }

    /// Whether any step exists for `type` (events of other types are never touched).
    public func handles(_ type: String) -> Bool { steps[type] != nil }

    /// `event` with its data lifted to `target` (default: the latest version known) and
    /// `dataversion` set accordingly. Events of types without upcasters pass unchanged.
    public func upcast(_ event: CloudEvent, to target: Int? = nil) throws(ProjectionError) -> CloudEvent {
        guard handles(event.type) else { return event }
        let target = target ?? latestVersion(of: event.type)
        if event.extensions["dataversion"] != nil, event.dataversion == nil {
            throw ProjectionError(code: "upcast", "event \(event.id): dataversion '\(event.extensions["dataversion"]!)' is not a positive integer")
        }
        var version = event.dataversion ?? 1
        guard version < target else { return event }
        guard case .json(var data)? = event.data else {
            throw ProjectionError(code: "upcast", "event \(event.id) (\(event.type) v\(version)) has no JSON data to upcast")
        }
        while version < target {
            guard let step = steps[event.type]?[version] else {
                throw ProjectionError(code: "upcast", "no upcaster for \(event.type) v\(version)→v\(version + 1)")
            }
            do {
                data = try step.transform(data)
            } catch {
                throw ProjectionError(code: "upcast", "\(event.type) v\(version)→v\(version + 1) of event \(event.id): \(error.message)")
            }
            version += 1
        }
        var lifted = event
        lifted.data = .json(data)
        lifted.dataversion = version
        return lifted
    }
}

extension UpcasterChain {
    /// Every upcaster Keel ships: one per historical version in `Topics/` (a test enumerates
    /// the catalog and fails when a version below the latest has no step here).
    public static let standard = UpcasterChain(WorkflowUpcasters.all)
}
