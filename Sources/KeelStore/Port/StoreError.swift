/// A failure of a `ProjectionStore` adapter. Extensible: match on `code`.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let raw: String
        private init(_ raw: String) { self.raw = raw }

        /// The store could not be reached (after the adapter's own retries of transient errors).
        public static let unavailable = Code("unavailable")
        /// A unique index refused the write.
        public static let duplicateKey = Code("duplicate-key")
        /// Authentication or authorisation failed.
        public static let unauthorized = Code("unauthorized")
        /// The query, update or index is invalid (bad path, bad operator on a type, …).
        public static let invalidRequest = Code("invalid-request")
        /// Another process holds the embedded store's writer lock.
        public static let locked = Code("locked")
        /// The store was shut down.
        public static let closed = Code("closed")
        public static let internalError = Code("internal")

        public var description: String { raw }
    }

    public var code: Code
    public var message: String
    /// The error an adapter translated into this one (a driver's or the system's), kept for
    /// diagnosis. Not part of equality: the same code and message are the same failure.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public static func == (lhs: StoreError, rhs: StoreError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }

    public var description: String { "\(code): \(message)" }
}
