import Foundation
import KeelCore
import KeelStore
import Testing

extension ProjectionStoreConformance {
    /// Ten documents with mixed fields: `n` 0…9 (ints, 7 is a double, 8 a decimal), tenant t0/t1.
    private func seed(_ p: inout Projection) async throws {
        var changes: [DocumentChange] = []
        for i in 0..<10 {
            let n: DocumentValue = i == 7 ? .double(7) : (i == 8 ? dec("8") : .int(Int64(i)))
            var set: [String: DocumentValue] = ["n": n, "tenant": .string("t\(i % 2)"), "tags": .array([.string("all"), .string("n\(i)")])]
            if i % 3 == 0 { set["opt"] = i == 0 ? .null : .string("v\(i)") }
            changes.append(p.upsert(String(format: "d%02d", i), DocumentUpdate(set: set)))
        }
        try await p.apply(changes)
    }

    @Test("filters: comparisons across number types, type bracketing, missing fields, exists, oneOf, arrays", arguments: StoreUnderTest.allCases)
    func filters(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            try await seed(&p)
            func matching(_ filter: FieldFilter...) async throws -> [String] { ids(try await p.all(filter)) }
            #expect(try await matching(FieldFilter("n", .greaterThanOrEqual(.int(7)))) == ["d07", "d08", "d09"])
            #expect(try await matching(FieldFilter("n", .lessThan(.double(1.5)))) == ["d00", "d01"])
            #expect(try await matching(FieldFilter("n", .equals(dec("7")))) == ["d07"])
            #expect(try await matching(FieldFilter("n", .greaterThan(.string("")))) == [], "ranges do not cross type brackets")
            #expect(try await matching(FieldFilter("tenant", .equals(.string("t1"))), FieldFilter("n", .lessThan(.int(5)))) == ["d01", "d03"])
            #expect(try await matching(FieldFilter("opt", .exists(true))) == ["d00", "d03", "d06", "d09"])
            #expect(try await matching(FieldFilter("opt", .exists(false))).count == 6)
            #expect(try await matching(FieldFilter("opt", .equals(.null))).count == 7, "null matches null and missing")
            #expect(try await matching(FieldFilter("opt", .notEquals(.null))) == ["d03", "d06", "d09"])
            #expect(try await matching(FieldFilter("opt", .notEquals(.string("v3")))).count == 9, "notEquals matches missing fields")
            #expect(try await matching(FieldFilter("n", .oneOf([.int(2), .double(4), .string("x")]))) == ["d02", "d04"])
            #expect(try await matching(FieldFilter("tags", .equals(.string("n5")))) == ["d05"], "an array matches when an element does")
            #expect(try await matching(FieldFilter("nested.missing", .exists(false))).count == 10)
            #expect(try await p.count([FieldFilter("tenant", .equals(.string("t0")))]) == 5)
            #expect(try await p.count() == 10)
        }
    }

    @Test("sort with _id tie-breaker, limit, and cursor pagination visiting every document once", arguments: StoreUnderTest.allCases)
    func pagination(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            var changes: [DocumentChange] = []
            for i in 0..<23 {
                var set: [String: DocumentValue] = ["score": .int(Int64(i % 4)), "i": .int(Int64(i))]
                if i == 5 { set["score"] = nil }  // missing sorts as null: first ascending, last descending
                changes.append(p.upsert(String(format: "k%02d", i), DocumentUpdate(set: set)))
            }
            try await p.apply(changes)
            let sort = [SortField("score", ascending: false)]
            let first = try await p.query(sort: sort, limit: 5)
            #expect(first.documents.count == 5)
            #expect(ids(first.documents) == ["k03", "k07", "k11", "k15", "k19"], "ties broken by _id ascending")
            var seen = ids(first.documents)
            var cursor = try #require(first.nextCursor)
            // Documents inserted between pages: one sorting before the cursor (never visited), one after.
            try await p.apply([p.upsert("k01a", DocumentUpdate(set: ["score": .int(3)])), p.upsert("k00a", DocumentUpdate(set: ["score": .int(0)]))])
            var pages = 1
            while true {
                let page = try await p.query(sort: sort, limit: 5, after: cursor)
                seen += ids(page.documents)
                pages += 1
                guard let next = page.nextCursor else { break }
                cursor = next
            }
            #expect(Set(seen).count == seen.count, "no document twice: \(seen)")
            #expect(seen.count == 24, "every original document once plus the one inserted after the cursor")
            #expect(seen.contains("k00a") && !seen.contains("k01a"))
            #expect(seen.last == "k05", "missing sorts as null (last in descending order)")
            #expect(pages == 5)
            // Ascending by _id (the default) with a filter and small pages.
            let evens = try await p.all([FieldFilter("score", .equals(.int(2)))], limit: 2)
            #expect(ids(evens) == ["k02", "k06", "k10", "k14", "k18", "k22"])
            let last = try await p.query([FieldFilter("i", .equals(.int(22)))], limit: 1)
            #expect(last.nextCursor == nil, "no cursor after the last page")
        }
    }

    @Test("a multi-field sort and a cursor from another sort is rejected", arguments: StoreUnderTest.allCases)
    func multiSort(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            try await seed(&p)
            let sort = [SortField("tenant"), SortField("n", ascending: false)]
            let documents = try await p.all(sort: sort, limit: 3)
            #expect(ids(documents) == ["d08", "d06", "d04", "d02", "d00", "d09", "d07", "d05", "d03", "d01"])
            let page = try await p.query(sort: sort, limit: 3)
            let error = await #expect(throws: StoreError.self) {
                _ = try await p.query(sort: [SortField("n")], limit: 3, after: page.nextCursor)
            }
            #expect(error?.code == .invalidRequest)
            await #expect(throws: StoreError.self) { _ = try await p.query(limit: 3, after: "not a cursor!") }
        }
    }
}
