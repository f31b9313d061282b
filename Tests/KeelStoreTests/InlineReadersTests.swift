import Foundation
import KeelSQLite
import KeelStore
import Testing

@Suite("SQLiteInlineReaders")
struct InlineReadersTests {
    private func database() throws -> (path: String, writer: SQLiteConnection<StoreError>) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-inline-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/test.db"
        let writer = try SQLiteConnection<StoreError>.openWriter(path: path, durableCommits: false)
        try writer.execute("CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        return (path, writer)
    }

    private func value(_ db: SQLiteConnection<StoreError>) throws(StoreError) -> Int64 {
        let select = try db.statement("SELECT v FROM t WHERE id = 'a'")
        defer { select.reset() }
        guard try select.step() else { return -1 }
        return select.int64(0)
    }

    @Test func lendsAtMostTheLimitAndSeesCommittedWrites() throws {
        let (path, writer) = try database()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let readers = SQLiteInlineReaders<StoreError>(databasePath: path, limit: 2)

        // Nested reads hold connections: the third finds none free and says so with nil.
        let nested = try readers.read { outer throws(StoreError) -> [Int64?] in
            let second = try readers.read { inner throws(StoreError) -> [Int64?] in
                let third = try readers.read { db throws(StoreError) in try value(db) }
                return [try value(outer), try value(inner), third]
            }
            return second ?? []
        }
        #expect(nested == [1, 1, nil])

        // Connections come back and are reused; each read sees what was committed before it.
        try writer.execute("UPDATE t SET v = 2")
        #expect(try readers.read { db throws(StoreError) in try value(db) } == 2)
        #expect(try readers.read { db throws(StoreError) in try value(db) } == 2)

        // A failing read returns its connection too.
        #expect(throws: StoreError.self) {
            _ = try readers.read { db throws(StoreError) in try db.execute("SELECT * FROM missing") }
        }
        let both = try readers.read { first throws(StoreError) in
            try readers.read { second throws(StoreError) in try value(first) + value(second) }
        }
        #expect(both == 4)

        readers.close()
        #expect(try readers.read { db throws(StoreError) in try value(db) } == nil)
    }

    @Test func aDatabaseThatCannotOpenLendsNothing() throws {
        let readers = SQLiteInlineReaders<StoreError>(databasePath: "/nonexistent-\(UUID().uuidString)/x.db", limit: 1)
        #expect(try readers.read { _ throws(StoreError) in 1 } == nil)
    }
}
