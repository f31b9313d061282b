/// What a projector asks the store to do to one document: the output of a pure projector.
///
/// Updates are MongoDB-style operators on dotted field paths, so both stores apply them with
/// the same meaning and an update can be merged with a later one on the same document.
public struct DocumentChange: Sendable, Hashable {
    public enum Operation: Sendable, Hashable {
        /// Creates the document if missing, then applies the update.
        case upsert(DocumentUpdate)
        /// Replaces the whole document (creating it if missing).
        case replace(Document)
        case delete
    }

    /// The collection's logical name within the projection (e.g. `activity`).
    public var collection: String
    public var id: String
    public var operation: Operation

    public init(collection: String, id: String, operation: Operation) {
        self.collection = collection
        self.id = id
        self.operation = operation
    }
}

/// A set of update operators. Paths are dotted (`counts.hour`). On insert, `setOnInsert` is
/// applied first, then the other operators. A path may appear in one operator only.
public struct DocumentUpdate: Sendable, Hashable {
    public var set: [String: DocumentValue]
    public var setOnInsert: [String: DocumentValue]
    /// Adds a number (int, double or decimal); a missing field counts as zero.
    public var inc: [String: DocumentValue]
    /// Keeps the larger / smaller of the stored and given values (DocumentValue.compare order).
    public var max: [String: DocumentValue]
    public var min: [String: DocumentValue]
    /// Appends the values, in order, to the array at the path (creating it).
    public var push: [String: [DocumentValue]]
    public var unset: Set<String>

    public init(
        set: [String: DocumentValue] = [:],
        setOnInsert: [String: DocumentValue] = [:],
        inc: [String: DocumentValue] = [:],
        max: [String: DocumentValue] = [:],
        min: [String: DocumentValue] = [:],
        push: [String: [DocumentValue]] = [:],
        unset: Set<String> = []
    ) {
        self.set = set
        self.setOnInsert = setOnInsert
        self.inc = inc
        self.max = max
        self.min = min
        self.push = push
        self.unset = unset
    }

    public var isEmpty: Bool {
        self.set.isEmpty && setOnInsert.isEmpty && inc.isEmpty && max.isEmpty && min.isEmpty && push.isEmpty && unset.isEmpty
    }
}
