import CMongoC
import KeelCore

/// Owns one heap `bson_t` for a libmongoc call, destroyed on deinit.
///
/// Created from Swift-encoded bytes (`bson_new_from_data`, growable so libmongoc may append session
/// ids to it) or as an empty out-param for a reply (`keel_bson_out_new`, 128-byte aligned storage
/// that libmongoc may re-initialise). Not Sendable: create and use it on one executor thread.
final class BSONDocument {
    let pointer: OpaquePointer
    private let ownsAlignedStorage: Bool

    init(_ document: BSONDoc) throws {
        pointer = try Self.make(BSONWriter.encode(document))
        ownsAlignedStorage = false
    }

    init(values document: Document) throws {
        pointer = try Self.make(BSONWriter.encode(document))
        ownsAlignedStorage = false
    }

    /// An empty document for libmongoc to fill (a reply).
    init() {
        guard let storage = keel_bson_out_new() else { fatalError("out of memory allocating a bson_t") }
        pointer = storage
        ownsAlignedStorage = true
    }

    deinit {
        if ownsAlignedStorage {
            keel_bson_out_free(pointer)
        } else {
            bson_destroy(pointer)
        }
    }

    /// The document decoded into Keel's value model.
    func decode() throws -> Document {
        try Self.decode(pointer)
    }

    /// Decodes a `bson_t` that libmongoc owns (a cursor's current document).
    static func decode(_ bson: OpaquePointer) throws -> Document {
        let length = Int(keel_bson_len(bson))
        guard let data = bson_get_data(bson) else { return [:] }
        return try BSONReader.decode(UnsafeRawBufferPointer(start: data, count: length))
    }

    private static func make(_ bytes: [UInt8]) throws -> OpaquePointer {
        guard let bson = bytes.withUnsafeBufferPointer({ bson_new_from_data($0.baseAddress, $0.count) }) else {
            throw MongoFailure.internal("libbson refused an encoded document")
        }
        return bson
    }
}
