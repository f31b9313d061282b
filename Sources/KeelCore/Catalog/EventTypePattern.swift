/// An event type or a prefix pattern ending in `.*`: how API-key allow-lists and live-stream
/// filters name the types they cover.
public enum EventTypePattern {
    /// Whether `pattern` covers `type`: equal, or `p.*` with `type` starting with `p.` and going on
    /// (so `com.acme.*` covers `com.acme.order.placed` but neither `com.acme` nor `com.acmex.order`).
    public static func matches(_ pattern: String, type: String) -> Bool {
        if pattern.hasSuffix(".*") {
            return type.hasPrefix(pattern.dropLast()) && type.utf8.count > pattern.utf8.count - 1
        }
        return pattern == type
    }
}
