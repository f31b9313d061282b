import ArgumentParser
import Foundation
import KeelCore
import KeelGateway

/// The gateway's settings for `keel serve`. Each comes from, in order: the flag, the
/// environment variable, the `--config` file (JSON, keys as in `docs/gateway.md`), the default.
struct GatewayOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where the gateway listens (port 0 picks a free one). Env KEEL_LISTEN.", valueName: "host:port"))
    var listen: String?

    @Option(name: .customLong("jwks-url"), help: ArgumentHelp("JWKS URL for JWT auth. Env KEEL_JWKS_URL.", valueName: "url"))
    var jwksURL: String?

    @Option(name: .customLong("jwks-file"), help: ArgumentHelp("JWKS file for JWT auth. Env KEEL_JWKS_FILE.", valueName: "path"))
    var jwksFile: String?

    @Option(name: .customLong("jwt-issuer"), help: ArgumentHelp("Required JWT iss. Env KEEL_JWT_ISSUER.", valueName: "iss"))
    var jwtIssuer: String?

    @Option(name: .customLong("jwt-audience"), help: ArgumentHelp("Required JWT aud. Env KEEL_JWT_AUDIENCE.", valueName: "aud"))
    var jwtAudience: String?

    @Option(
        name: .customLong("jwt-tenant-claim"),
        help: ArgumentHelp("The claim naming the tenant (default tenant). Env KEEL_JWT_TENANT_CLAIM.", valueName: "claim"))
    var jwtTenantClaim: String?

    @Option(
        name: .customLong("jwt-roles-claim"),
        help: ArgumentHelp(
            "Dotted path to the roles array (default: Keycloak realm_access.roles + resource_access.<aud>.roles). Env KEEL_JWT_ROLES_CLAIM.",
            valueName: "path"))
    var jwtRolesClaim: String?

    @Option(
        name: .customLong("jwt-platform-admin-role"),
        help: ArgumentHelp(
            "The token role that makes a JWT a platform admin (tenants, every tenant's data). No default: a realm-wide admin is a tenant admin at most. Env KEEL_JWT_PLATFORM_ADMIN_ROLE.",
            valueName: "role"))
    var jwtPlatformAdminRole: String?

    @Option(
        name: .customLong("dedupe-window"),
        help: ArgumentHelp("Idempotency window, e.g. 7d, 12h, 30m. Env KEEL_DEDUPE_WINDOW.", valueName: "duration"))
    var dedupeWindow: String?

    @Option(
        name: .customLong("rate-limit-key"),
        help: ArgumentHelp("Per API key/subject and route, e.g. 200/s:400. Env KEEL_RATE_LIMIT_KEY.", valueName: "rate"))
    var rateLimitKey: String?

    @Option(
        name: .customLong("rate-limit-tenant"), help: ArgumentHelp("Per tenant, e.g. 1000/s:2000. Env KEEL_RATE_LIMIT_TENANT.", valueName: "rate"))
    var rateLimitTenant: String?

    @Option(name: .customLong("rate-limit-role"), help: ArgumentHelp("Per role, e.g. producer=500/s (repeatable).", valueName: "role=rate"))
    var rateLimitRole: [String] = []

    @Option(
        name: .customLong("rate-limit-route"),
        help: ArgumentHelp("Per route operation id, e.g. ingestEvents=1000/s (repeatable).", valueName: "operation=rate"))
    var rateLimitRoute: [String] = []

    @Option(
        name: .customLong("rate-limit-anonymous"),
        help: ArgumentHelp(
            "Per peer address, for requests that fail authentication (none, bad or refused credential), e.g. 20/s:40. Env KEEL_RATE_LIMIT_ANONYMOUS.",
            valueName: "rate"))
    var rateLimitAnonymous: String?
    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A proxy (address or CIDR block) whose X-Forwarded-For names the client (repeatable). Env KEEL_TRUSTED_PROXIES (comma-separated).",
            valueName: "address"))
    var trustedProxy: [String] = []
    @Flag(name: .customLong("no-rate-limits"), help: "Disable rate limiting (benchmarks).")
    var noRateLimits = false

    @Option(
        name: .customLong("stream-limit"),
        help: ArgumentHelp(
            "Concurrent live streams: scope=N with scope key, tenant or instance (repeatable; defaults key=100, tenant=1000, instance=20000). Env KEEL_STREAM_LIMITS (comma-separated).",
            valueName: "scope=N"))
    var streamLimit: [String] = []

    @Option(
        name: .customLong("stream-buffer-bytes"),
        help: ArgumentHelp(
            "Bytes a live subscriber may fall behind before it is disconnected (default 1048576). Env KEEL_STREAM_BUFFER_BYTES.", valueName: "bytes"))
    var streamBufferBytes: Int?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body (default 1048576).")
    var maxBodyBytes: Int?

    @Option(name: .customLong("max-batch-events"), help: "Largest batch (default 1000).")
    var maxBatchEvents: Int?

    /// Builds the configuration; `file` is the parsed `--config` document (an object) or empty.
    func configuration(file: [String: JSONValue], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GatewayConfiguration
    {
        func setting(_ flag: String?, _ env: String, _ key: String) -> String? {
            flag ?? environment[env] ?? file[key]?.stringValue
        }
        var configuration = GatewayConfiguration()
        let listenText = setting(listen, "KEEL_LISTEN", "listen") ?? "127.0.0.1:8080"
        guard let (host, port) = Self.parseListen(listenText) else {
            throw ValidationError("--listen must be HOST:PORT (port 0–65535), got '\(listenText)'")
        }
        (configuration.host, configuration.port) = (host, port)
        configuration.adminKey = environment["KEEL_ADMIN_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let key = configuration.adminKey, key.count < 24 {
            throw ValidationError("KEEL_ADMIN_KEY must be at least 24 characters")
        }
        if let text = setting(dedupeWindow, "KEEL_DEDUPE_WINDOW", "dedupeWindow") {
            guard let seconds = Self.parseDuration(text) else {
                throw ValidationError("--dedupe-window must look like 7d, 12h, 30m or 90s, got '\(text)'")
            }
            configuration.dedupeWindow = .seconds(seconds)
        }
        let limits = file["rateLimits"]?.objectValue ?? [:]
        if let text = rateLimitKey ?? environment["KEEL_RATE_LIMIT_KEY"] ?? limits["perKey"]?.stringValue {
            configuration.rateLimits.perKey = try Self.rate(text, "--rate-limit-key")
        }
        if let text = rateLimitTenant ?? environment["KEEL_RATE_LIMIT_TENANT"] ?? limits["perTenant"]?.stringValue {
            configuration.rateLimits.perTenant = try Self.rate(text, "--rate-limit-tenant")
        }
        if let text = rateLimitAnonymous ?? environment["KEEL_RATE_LIMIT_ANONYMOUS"] ?? limits["anonymous"]?.stringValue {
            configuration.rateLimits.anonymous = try Self.rate(text, "--rate-limit-anonymous")
        }
        var proxies = trustedProxy
        if proxies.isEmpty {
            proxies =
                environment["KEEL_TRUSTED_PROXIES"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                ?? (file["trustedProxies"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        configuration.rateLimits.trustedProxies = try proxies.filter { !$0.isEmpty }.map { text in
            guard let range = IPAddressRange(parsing: text) else {
                throw ValidationError("--trusted-proxy takes an IP address or CIDR block (10.0.0.7, 10.0.0.0/8, fd00::/8), got '\(text)'")
            }
            return range
        }
        var roleLimits = (limits["roles"]?.objectValue ?? [:]).compactMapValues(\.stringValue).map { "\($0.key)=\($0.value)" }
        roleLimits += rateLimitRole
        for pair in roleLimits {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let role = Role(rawValue: parts[0]) else {
                throw ValidationError("--rate-limit-role takes role=rate with role admin, operator, producer or reader, got '\(pair)'")
            }
            configuration.rateLimits.perRole[role] = try Self.rate(parts[1], "--rate-limit-role")
        }
        var routeLimits = (limits["routes"]?.objectValue ?? [:]).compactMapValues(\.stringValue).map { "\($0.key)=\($0.value)" }
        routeLimits += rateLimitRoute
        let operations = Set(GatewayRoutes.all.map(\.operationID))
        for pair in routeLimits {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, operations.contains(parts[0]) else {
                throw ValidationError(
                    "--rate-limit-route takes operation=rate with one of \(operations.sorted().joined(separator: ", ")), got '\(pair)'")
            }
            configuration.rateLimits.perRoute[parts[0]] = try Self.rate(parts[1], "--rate-limit-route")
        }
        if noRateLimits || file["rateLimits"]?.objectValue?["enabled"]?.boolValue == false { configuration.rateLimits.enabled = false }
        if let bytes = maxBodyBytes ?? file["maxBodyBytes"]?.intValue.map(Int.init) {
            guard bytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
            configuration.maxBodyBytes = bytes
        }
        if let events = maxBatchEvents ?? file["maxBatchEvents"]?.intValue.map(Int.init) {
            guard (1...10_000).contains(events) else { throw ValidationError("--max-batch-events must be 1…10000") }
            configuration.maxBatchEvents = events
        }
        try applyStreamSettings(to: &configuration.subscriptions, file: file, environment: environment)
        configuration.jwt = try jwtConfiguration(setting)
        return configuration
    }

    private func applyStreamSettings(
        to subscriptions: inout SubscriptionConfiguration, file: [String: JSONValue], environment: [String: String]
    ) throws {
        var pairs = (file["streamLimits"]?.objectValue ?? [:]).compactMap { key, value in value.intValue.map { "\(key)=\($0)" } }
        pairs += environment["KEEL_STREAM_LIMITS"].map { $0.split(separator: ",").map(String.init) } ?? []
        pairs += streamLimit
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let count = Int(parts[1]), count >= 1 else {
                throw ValidationError("--stream-limit takes scope=N with N ≥ 1 (key, tenant or instance), got '\(pair)'")
            }
            switch parts[0] {
            case "key": subscriptions.limits.perCredential = count
            case "tenant": subscriptions.limits.perTenant = count
            case "instance": subscriptions.limits.perInstance = count
            default: throw ValidationError("--stream-limit scope must be key, tenant or instance, got '\(parts[0])'")
            }
        }
        let bytesText =
            streamBufferBytes.map(String.init) ?? environment["KEEL_STREAM_BUFFER_BYTES"] ?? file["streamBufferBytes"]?.intValue.map { String($0) }
        if let bytesText {
            guard let bytes = Int(bytesText), bytes >= 4096 else {
                throw ValidationError("--stream-buffer-bytes must be an integer of at least 4096, got '\(bytesText)'")
            }
            subscriptions.bufferCapacityBytes = bytes
        }
    }

    private func jwtConfiguration(_ setting: (String?, String, String) -> String?) throws -> JWTConfiguration? {
        let url = setting(jwksURL, "KEEL_JWKS_URL", "jwksUrl")
        let file = setting(jwksFile, "KEEL_JWKS_FILE", "jwksFile")
        let issuer = setting(jwtIssuer, "KEEL_JWT_ISSUER", "jwtIssuer")
        let audience = setting(jwtAudience, "KEEL_JWT_AUDIENCE", "jwtAudience")
        guard url != nil || file != nil else {
            if issuer != nil || audience != nil { throw ValidationError("--jwt-issuer/--jwt-audience need --jwks-url or --jwks-file") }
            return nil
        }
        if url != nil, file != nil { throw ValidationError("give --jwks-url or --jwks-file, not both") }
        guard let issuer, let audience else { throw ValidationError("JWT auth needs --jwt-issuer and --jwt-audience") }
        var configuration = JWTConfiguration(keys: url.map { .url($0) } ?? .file(file!), issuer: issuer, audience: audience)
        if let claim = setting(jwtTenantClaim, "KEEL_JWT_TENANT_CLAIM", "jwtTenantClaim") { configuration.tenantClaim = claim }
        configuration.rolesClaim = setting(jwtRolesClaim, "KEEL_JWT_ROLES_CLAIM", "jwtRolesClaim")
        configuration.platformAdminRole = setting(jwtPlatformAdminRole, "KEEL_JWT_PLATFORM_ADMIN_ROLE", "jwtPlatformAdminRole")
        return configuration
    }

    static func rate(_ text: String, _ option: String) throws -> RateLimit {
        guard let rate = RateLimit(parsing: text) else {
            throw ValidationError("\(option) takes RATE/s or RATE/s:BURST (e.g. 200/s:400), got '\(text)'")
        }
        return rate
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        return (host, port)
    }

    static func parseDuration(_ text: String) -> Int64? {
        guard let unit = text.last, let value = Int64(text.dropLast()), value > 0 else { return nil }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86_400
        default: return nil
        }
    }
}
