import Foundation

/// Which addresses `http` steps may call.
///
/// Refused by default: link-local addresses (169.254.0.0/16, fe80::/10) and the cloud metadata
/// endpoints, so a workflow cannot read the machine's credentials. With `allowedHosts` set, only
/// those hosts (exact names, or `*.suffix`) are allowed. Only literal addresses are classified: a
/// host name that resolves to a link-local address is not caught here (documented limitation).
public struct OutboundPolicy: Sendable, Hashable {
    public var allowedHosts: [String]?
    public var refusedHosts: Set<String> = ["metadata.google.internal", "metadata", "instance-data"]

    public init(allowedHosts: [String]? = nil) { self.allowedHosts = allowedHosts }

    /// `nil` when `url` may be called, else why not.
    public func refusal(for url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return "only http and https URLs may be called"
        }
        guard var host = url.host?.lowercased(), !host.isEmpty else { return "the URL has no host" }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if refusedHosts.contains(host) { return "\(host) is a metadata endpoint" }
        if host.hasPrefix("169.254.") { return "\(host) is a link-local address" }
        if host.hasPrefix("fe8") || host.hasPrefix("fe9") || host.hasPrefix("fea") || host.hasPrefix("feb") || host == "fd00:ec2::254" {
            return "\(host) is a link-local address"
        }
        if let allowed = allowedHosts {
            let matches = allowed.contains { pattern in
                pattern.hasPrefix("*.") ? host.hasSuffix(String(pattern.dropFirst(1))) : host == pattern.lowercased()
            }
            if !matches { return "\(host) is not on the allow-list" }
        }
        return nil
    }
}
