import Foundation
import HTTPTypes
import Hummingbird
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore

/// Reads over the projections, always confined to the caller's tenant: documents (filters, sort,
/// cursor pages), `activity` analytics, `audit` search, and the operators' projection status.
struct QueryController {
    let store: any ProjectionStore
    let log: any EventLog
    let projectors: [any Projector]

    func register(on routes: RouteRegistrar) {
        routes.on(GatewayRoutes.listDocuments) { request, context in try await listDocuments(request, context) }
        routes.on(GatewayRoutes.getDocument) { request, context in try await getDocument(request, context) }
        routes.on(GatewayRoutes.activity) { request, context in try await activity(request, context) }
        routes.on(GatewayRoutes.audit) { request, context in try await audit(request, context) }
        routes.on(GatewayRoutes.projectionStatus) { _, context in
            // Lag and dead-letter counts are about every tenant's events.
            try context.requirePrincipal().requirePlatformScope("projection status")
            var reports: [JSONValue] = []
            for projector in projectors {
                reports.append(try await storeCall { try await ProjectionStatus.read(projector, log: log, store: store) }.json)
            }
            return .json(.object(["projections": .array(reports)]))
        }
    }

    func listDocuments(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let tenant = try context.requirePrincipal().actingTenant(requested: request.requestedTenant)
        let (projection, collection) = try target(request, context)
        var filter = [FieldFilter("tenant", .equals(.string(tenant)))]
        for raw in request.uri.queryParameters.getAll("filter") { filter.append(try Self.parseFilter(String(raw))) }
        let sort = try Self.parseSort(request.query("sort"))
        let limit = try Self.parseLimit(request.query("limit"))
        let page = try await storeCall {
            try await store.query(
                DocumentQuery(
                    target: .live(projection), collection: collection, filter: filter, sort: sort, limit: limit, after: request.query("cursor")))
        }
        return .json(
            .object([
                "documents": .array(page.documents.map { DocumentValue.object($0).json }),
                "nextCursor": page.nextCursor.map(JSONValue.string) ?? .null,
            ]))
    }

    func getDocument(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let tenant = try context.requirePrincipal().actingTenant(requested: request.requestedTenant)
        let (projection, collection) = try target(request, context)
        let raw = try context.parameters.require("id")
        let id = raw.removingPercentEncoding ?? raw
        let document = try await storeCall { try await store.find(.live(projection), collection: collection, id: id) }
        // Another tenant's document is reported exactly like a missing one: no existence oracle.
        guard let document, document["tenant"]?.stringValue == tenant else {
            throw Problem.notFound("no document '\(id)' in \(projection)/\(collection)")
        }
        return .json(DocumentValue.object(document).json)
    }

    func activity(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let tenant = try context.requirePrincipal().actingTenant(requested: request.requestedTenant)
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let to = try Self.parseTime(request.query("to"), name: "to") ?? nowMs
        let from = try Self.parseTime(request.query("from"), name: "from") ?? (to - 86_400_000)
        guard from < to else { throw Problem.badRequest("from must be before to", field: "from") }
        let bucketName = request.query("bucket") ?? "hour"
        guard let bucket = TimeBucket.Unit(rawValue: bucketName) else {
            throw Problem.badRequest("bucket must be hour, day or month, got '\(bucketName)'", field: "bucket")
        }
        let timeZone = request.query("tz") ?? "UTC"
        guard TimeZone(identifier: timeZone) != nil else {
            throw Problem.badRequest("unknown IANA time zone '\(timeZone)'", field: "tz")
        }
        let type = request.query("type")
        let counts = try await storeCall {
            try await ActivityQueries(store: store).counts(tenant: tenant, type: type, from: from, to: to, bucket: bucket, timeZone: timeZone)
        }
        return .json(
            .object([
                "tenant": .string(tenant), "bucket": .string(bucket.rawValue), "tz": .string(timeZone),
                "from": .string(RFC3339.format(milliseconds: from)), "to": .string(RFC3339.format(milliseconds: to)),
                "buckets": .array(
                    counts.map { count in
                        var members: [String: JSONValue] = [
                            "start": .string(RFC3339.format(milliseconds: count.bucketStart)), "count": .int(count.count),
                        ]
                        if let type = count.type { members["type"] = .string(type) }
                        return .object(members)
                    }),
                "total": .int(counts.reduce(0) { $0 + $1.count }),
            ]))
    }

    func audit(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let tenant = try context.requirePrincipal().actingTenant(requested: request.requestedTenant)
        let page = try await storeCall {
            try await AuditQueries(store: store).search(
                tenant: tenant, actor: request.query("actor"), type: request.query("type"),
                from: try Self.parseTime(request.query("from"), name: "from"), to: try Self.parseTime(request.query("to"), name: "to"),
                limit: try Self.parseLimit(request.query("limit")), after: request.query("cursor"))
        }
        return .json(
            .object([
                "entries": .array(
                    page.entries.map { entry in
                        var members: [String: JSONValue] = [
                            "eventId": .string(entry.eventID), "actor": .string(entry.actorID), "type": .string(entry.type),
                            "time": .string(RFC3339.format(milliseconds: entry.time)),
                        ]
                        if let action = entry.action { members["action"] = .string(action) }
                        if let outcome = entry.outcome { members["outcome"] = .string(outcome) }
                        if let data = entry.data { members["data"] = data.json }
                        return .object(members)
                    }),
                "nextCursor": page.nextCursor.map(JSONValue.string) ?? .null,
            ]))
    }

    // MARK: Parsing

    private func target(_ request: Request, _ context: GatewayContext) throws -> (String, String) {
        let name = try context.parameters.require("name")
        guard let projector = projectors.first(where: { $0.name == name }) else {
            throw Problem.notFound("no projection '\(name)' (known: \(projectors.map(\.name).joined(separator: ", ")))")
        }
        let collection = request.query("collection") ?? projector.collections[0]
        guard projector.collections.contains(collection) else {
            throw Problem.badRequest(
                "projection '\(name)' has no collection '\(collection)' (it has: \(projector.collections.joined(separator: ", ")))",
                field: "collection")
        }
        return (name, collection)
    }

    /// `path:op:value`; values are JSON literals when they parse as one (numbers, true, "text"),
    /// RFC 3339 instants become dates, anything else is a string. `in` takes `a|b|c`.
    static func parseFilter(_ raw: String) throws(Problem) -> FieldFilter {
        let parts = raw.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[0].isEmpty else {
            throw Problem.badRequest("filter must be path:op:value, got '\(raw)'", field: "filter")
        }
        let (path, op, text) = (parts[0], parts[1], parts[2])
        guard path.range(of: "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+)*$", options: .regularExpression) != nil else {
            throw Problem.badRequest("filter path '\(path)' is not a dotted field path", field: "filter")
        }
        let value = parseValue(text)
        switch op {
        case "eq": return FieldFilter(path, .equals(value))
        case "ne": return FieldFilter(path, .notEquals(value))
        case "gt": return FieldFilter(path, .greaterThan(value))
        case "gte": return FieldFilter(path, .greaterThanOrEqual(value))
        case "lt": return FieldFilter(path, .lessThan(value))
        case "lte": return FieldFilter(path, .lessThanOrEqual(value))
        case "in": return FieldFilter(path, .oneOf(text.split(separator: "|").map { parseValue(String($0)) }))
        case "exists":
            guard text == "true" || text == "false" else { throw Problem.badRequest("exists takes true or false", field: "filter") }
            return FieldFilter(path, .exists(text == "true"))
        default:
            throw Problem.badRequest("unknown filter operator '\(op)' (eq, ne, gt, gte, lt, lte, in, exists)", field: "filter")
        }
    }

    static func parseValue(_ text: String) -> DocumentValue {
        if text.count >= 20, let date = RFC3339.parse(text) { return .date(RFC3339.milliseconds(of: date)) }
        if let json = try? JSONValue.parse(text) {
            switch json {
            case .array, .object: return .string(text)
            default: return DocumentValue(json)
            }
        }
        return .string(text)
    }

    static func parseSort(_ raw: String?) throws(Problem) -> [SortField] {
        guard let raw else { return [] }
        return raw.split(separator: ",").map { item in
            item.hasPrefix("-") ? SortField(String(item.dropFirst()), ascending: false) : SortField(String(item))
        }
    }

    static func parseLimit(_ raw: String?) throws(Problem) -> Int {
        guard let raw else { return 100 }
        guard let limit = Int(raw), (1...1000).contains(limit) else {
            throw Problem.badRequest("limit must be an integer from 1 to 1000, got '\(raw)'", field: "limit")
        }
        return limit
    }

    static func parseTime(_ raw: String?, name: String) throws(Problem) -> Int64? {
        guard let raw else { return nil }
        guard let date = RFC3339.parse(raw) else {
            throw Problem.badRequest("\(name) must be an RFC 3339 date-time, got '\(raw)'", field: name)
        }
        return RFC3339.milliseconds(of: date)
    }
}

/// Store failures become 503 (retryable) and bad cursors 400; nothing else leaks.
func storeCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let problem as Problem {
        throw problem
    } catch let error as StoreError {
        if error.code == .invalidRequest {
            throw Problem.badRequest(error.message)
        }
        throw Problem(.unavailable, "the projection store is unavailable (\(error.code)); retry")
    }
}
