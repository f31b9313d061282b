import KeelCore

/// A node of a compiled JMESPath expression.
///
/// A final class with only immutable stored properties, so it is `Sendable` and shared freely.
/// Every node knows its `depth` (1 for a leaf), computed once at construction, which is what lets
/// the parser refuse trees whose evaluation would recurse too deeply.
final class JMESPathNode: Sendable {
    enum Kind: Sendable {
        /// `@`, and the implicit right-hand side of a projection that has none.
        case current
        case field(String)
        case literal(JSONValue)
        /// Evaluate `left`, then `right` on the result (`a.b`, `a[0]`).
        case subexpression(JMESPathNode, JMESPathNode)
        case index(Int)
        case slice(start: Int?, stop: Int?, step: Int)
        /// `left` must give an array; `right` is applied to each element, nulls dropped.
        case listProjection(JMESPathNode, JMESPathNode)
        /// `left` must give an object; `right` is applied to each member value, nulls dropped.
        case objectProjection(JMESPathNode, JMESPathNode)
        /// Like a list projection, keeping only elements for which `condition` is truthy.
        case filterProjection(JMESPathNode, JMESPathNode, condition: JMESPathNode)
        /// Arrays in the result of the child are spliced one level into their parent array.
        case flatten(JMESPathNode)
        case comparison(JMESPathComparator, JMESPathNode, JMESPathNode)
        case or(JMESPathNode, JMESPathNode)
        case and(JMESPathNode, JMESPathNode)
        case not(JMESPathNode)
        case pipe(JMESPathNode, JMESPathNode)
        case multiSelectList([JMESPathNode])
        case multiSelectHash([(key: String, value: JMESPathNode)])
        case function(JMESPathFunction, [JMESPathNode])
        /// `&expr`: a function argument that is evaluated by the function, not before the call.
        case expressionReference(JMESPathNode)
    }

    let kind: Kind
    let depth: Int

    init(_ kind: Kind) {
        self.kind = kind
        self.depth = 1 + (Self.children(of: kind).map(\.depth).max() ?? 0)
    }

    private static func children(of kind: Kind) -> [JMESPathNode] {
        switch kind {
        case .current, .field, .literal, .index, .slice: return []
        case .subexpression(let a, let b), .listProjection(let a, let b), .objectProjection(let a, let b),
            .comparison(_, let a, let b), .or(let a, let b), .and(let a, let b), .pipe(let a, let b):
            return [a, b]
        case .filterProjection(let a, let b, let condition): return [a, b, condition]
        case .flatten(let a), .not(let a), .expressionReference(let a): return [a]
        case .multiSelectList(let elements): return elements
        case .multiSelectHash(let pairs): return pairs.map(\.value)
        case .function(_, let arguments): return arguments
        }
    }

    /// Whether this node is a slice, which (unlike an index) starts a projection.
    var isSlice: Bool {
        if case .slice = kind { return true }
        return false
    }
}
