/// The one nesting limit for JSON in Keel, and the two allowances derived from it.
///
/// Guarantee: anything accepted at ingest (at most `maximumDepth` levels) can be stored by a
/// projector that places it up to `projectionAllowance` levels down, and read back from either
/// store inside a reply or cursor envelope of up to `envelopeAllowance` levels — so no accepted
/// input fails to decode later. Every figure stays under MongoDB's 100-level document limit and
/// far from the stack depth a recursive decoder could exhaust.
///
/// Depth counts nested arrays and objects: `{}` and `[]` are 1, `{"a":[1]}` is 2, a scalar 0.
public enum JSONLimits {
    /// Client JSON: request bodies, event envelopes with their `data`, configuration files.
    public static let maximumDepth = 64
    /// Levels a projector may wrap client JSON in (`{"data": …}` is one).
    public static let projectionAllowance = 16
    /// Levels a read adds around a stored document (a page cursor, a server reply).
    public static let envelopeAllowance = 8
    /// The deepest document a store holds.
    public static let maximumDocumentDepth = maximumDepth + projectionAllowance
    /// The deepest structure a store's decoder (stored rows, BSON replies, page cursors) reads.
    public static let maximumDecodedDepth = maximumDocumentDepth + envelopeAllowance
}
