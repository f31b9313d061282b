import KeelCore
import Testing

@Suite("Merging changes within a batch")
struct MergeTests {
    func upsert(_ update: DocumentUpdate, id: String = "d") -> DocumentChange {
        DocumentChange(collection: "c", id: id, operation: .upsert(update))
    }

    @Test("inc + inc adds, max/max and min/min keep the extremes, setOnInsert keeps the first")
    func counters() {
        let a = upsert(DocumentUpdate(setOnInsert: ["k": .string("a")], inc: ["n": .int(1)], max: ["hi": .date(5)], min: ["lo": .date(5)]))
        let b = upsert(DocumentUpdate(setOnInsert: ["k": .string("b")], inc: ["n": .int(2)], max: ["hi": .date(9)], min: ["lo": .date(3)]))
        #expect(
            ChangeMerger.merge([a, b]) == [
                upsert(
                    DocumentUpdate(
                        setOnInsert: ["k": .string("a")], inc: ["n": .int(3)], max: ["hi": .date(9)], min: ["lo": .date(3)]))
            ])
    }

    @Test("set: last wins, and later operators fold into a set value")
    func sets() {
        let merged = ChangeMerger.merge([
            upsert(DocumentUpdate(set: ["s": .string("x"), "n": .int(1)], inc: ["m": .int(1)])),
            upsert(DocumentUpdate(set: ["s": .string("y"), "m": .int(10)], inc: ["n": .int(4)], max: ["n": .int(0)])),
        ])
        #expect(merged == [upsert(DocumentUpdate(set: ["s": .string("y"), "m": .int(10), "n": .int(5)]))])
    }

    @Test("replace and delete win; nothing folds into a replace or delete")
    func replaceDelete() {
        let replace = DocumentChange(collection: "c", id: "d", operation: .replace(["a": .int(1)]))
        let delete = DocumentChange(collection: "c", id: "d", operation: .delete)
        let inc = upsert(DocumentUpdate(inc: ["n": .int(1)]))
        #expect(ChangeMerger.merge([inc, replace]) == [replace])
        #expect(ChangeMerger.merge([inc, delete]) == [delete])
        #expect(ChangeMerger.merge([replace, inc]) == [replace, inc])
        #expect(ChangeMerger.merge([delete, inc]) == [delete, inc])
    }

    @Test("what cannot fold stays separate, in order: mixed kinds, inc after max, nested paths, overflow")
    func unmergeable() {
        let cases: [(DocumentUpdate, DocumentUpdate)] = [
            (DocumentUpdate(inc: ["n": .int(1)]), DocumentUpdate(inc: ["n": .double(1)])),
            (DocumentUpdate(max: ["n": .int(1)]), DocumentUpdate(inc: ["n": .int(1)])),
            (DocumentUpdate(set: ["a": .object([:])]), DocumentUpdate(inc: ["a.b": .int(1)])),
            (DocumentUpdate(inc: ["n": .int(.max)]), DocumentUpdate(inc: ["n": .int(1)])),
            (DocumentUpdate(setOnInsert: ["n": .int(1)]), DocumentUpdate(inc: ["n": .int(1)])),
        ]
        for (a, b) in cases {
            #expect(ChangeMerger.merge([upsert(a), upsert(b)]) == [upsert(a), upsert(b)])
        }
    }

    @Test("different documents never merge and keep their order; push concatenates")
    func documentsAndPush() {
        let changes = [
            upsert(DocumentUpdate(push: ["l": [.int(1)]]), id: "x"), upsert(DocumentUpdate(inc: ["n": .int(1)]), id: "y"),
            upsert(DocumentUpdate(push: ["l": [.int(2), .int(3)]]), id: "x"),
        ]
        #expect(
            ChangeMerger.merge(changes) == [
                upsert(DocumentUpdate(push: ["l": [.int(1), .int(2), .int(3)]]), id: "x"), upsert(DocumentUpdate(inc: ["n": .int(1)]), id: "y"),
            ])
    }

    @Test("an activity batch folds to one write per document with the exact totals")
    func activityBatch() throws {
        let projector = ActivityProjector(topics: [])
        var changes: [DocumentChange] = []
        for index in 0..<1000 {
            let e = event("keel.tenant.created", tenant: "t\(index % 3)", timeMs: 1_790_000_000_000 + Int64(index) * 10_000)
            changes += try projector.project(ProjectedEvent(event: e, topic: "t", partition: 0, offset: Int64(index), timestampMs: 0))
        }
        let merged = ChangeMerger.merge(changes)
        #expect(merged.count == Set(changes.map(\.id)).count)
        let total = merged.reduce(Int64(0)) { sum, change in
            guard case .upsert(let update) = change.operation else { return sum }
            return sum + (update.inc["count"]?.intValue ?? 0)
        }
        #expect(total == 1000)
    }
}
