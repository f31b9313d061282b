import Foundation
import HTTPTypes
import NIOCore

/// An IPv4 or IPv6 address as its network-order bytes (4 or 16), parsed in pure Swift.
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are read as the IPv4 address they carry, so
/// a dual-stack listener and a proxy that writes either form name the same peer.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6), most significant first.
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and a dotted IPv4 tail; a zone
    /// suffix `%eth0` is ignored). `nil` for anything else, host names included.
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        if text.contains(":") {
            guard let bytes = Self.parseIPv6(text) else { return nil }
            let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff]
            self.bytes = Array(bytes.prefix(12)) == mappedPrefix ? Array(bytes.suffix(4)) : bytes
        } else {
            guard let bytes = Self.parseIPv4(text) else { return nil }
            self.bytes = bytes
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        // Plain eight groups: a stable spelling for bucket keys and audit records.
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    /// The first `prefixLength` bits, the rest zeroed.
    func masked(to prefixLength: Int) -> IPAddress {
        var masked = bytes
        for index in masked.indices {
            let bitsKept = max(0, min(8, prefixLength - index * 8))
            masked[index] &= bitsKept == 0 ? 0 : ~UInt8(0) << (8 - bitsKept)
        }
        return IPAddress(bytes: masked)
    }

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            // Leading zeros are refused: some parsers read them as octal.
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit), part == "0" || part.first != "0",
                let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func parseIPv6(_ text: Substring) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowIPv4Tail: Bool) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4Tail, index == pieces.count - 1, piece.contains(".") {
                    guard let tail = parseIPv4(piece) else { return nil }
                    bytes += tail
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), let value = UInt16(piece, radix: 16) else { return nil }
                    bytes += [UInt8(value >> 8), UInt8(value & 0xff)]
                }
            }
            return bytes
        }
        if halves.count == 1 {
            guard let bytes = groups(halves[0], allowIPv4Tail: true), bytes.count == 16 else { return nil }
            return bytes
        }
        guard let head = groups(halves[0], allowIPv4Tail: false), let tail = groups(halves[1], allowIPv4Tail: true),
            head.count + tail.count <= 14
        else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// An address or a CIDR block (`10.0.0.7`, `10.0.0.0/8`, `fd00::/8`): what `--trusted-proxy` names.
public struct IPAddressRange: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// `ADDRESS` or `ADDRESS/PREFIX`; `nil` when either part is not valid.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bits).contains(prefix) else { return nil }
            prefixLength = prefix
        } else {
            prefixLength = bits
        }
        network = address.masked(to: prefixLength)
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == network.bytes.count && address.masked(to: prefixLength) == network
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

/// Who sent a request, for limits and audit records that apply before (or without) a credential.
///
/// Guarantees: the peer is the TCP remote address, unless that address is one of
/// `trustedProxies`; then `X-Forwarded-For` is read from the right (the entry the trusted proxy
/// appended) past every trusted hop, and the first untrusted valid address is the peer — entries
/// further left were written by the client and could be anything. A malformed entry stops the walk
/// at the last trusted hop. IPv6 peers are keyed by their /64: one host usually holds a whole /64,
/// so keying single addresses would let it step around a per-address limit.
public struct PeerAddressResolver: Sendable {
    public static let forwardedForHeader = HTTPField.Name("X-Forwarded-For")!
    /// The key of a request whose remote address is unknown (an in-process test channel, a Unix socket).
    public static let unknownPeer = "unknown"

    public var trustedProxies: [IPAddressRange]

    public init(trustedProxies: [IPAddressRange] = []) {
        self.trustedProxies = trustedProxies
    }

    /// The bucket and audit key of the request's sender.
    public func peer(remoteAddress: SocketAddress?, headers: HTTPFields) -> String {
        guard let text = remoteAddress?.ipAddress, let direct = IPAddress(text) else { return Self.unknownPeer }
        return Self.key(of: resolve(direct: direct, headers: headers))
    }

    func resolve(direct: IPAddress, headers: HTTPFields) -> IPAddress {
        guard isTrusted(direct) else { return direct }
        // Several X-Forwarded-For lines are one list, in order.
        let hops = headers[values: Self.forwardedForHeader].flatMap { $0.split(separator: ",") }
        var peer = direct
        for hop in hops.reversed() {
            guard let address = IPAddress(hop.trimmingCharacters(in: .whitespaces)) else { return peer }
            peer = address
            if !isTrusted(address) { return address }
        }
        return peer
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    static func key(of address: IPAddress) -> String {
        address.isIPv4 ? address.description : "\(address.masked(to: 64))/64"
    }
}
