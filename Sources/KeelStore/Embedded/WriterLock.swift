import Foundation
import Glibc
import KeelCore

/// `DIR/writer.lock`: an exclusive `flock` held by the one writer process, with its pid inside
/// for the message the next writer gets. The kernel releases it when the process dies.
enum WriterLock {
    /// Takes the lock; `.locked` (naming the holder's pid) when another writer holds it.
    static func acquire(_ directory: String) throws(StoreError) -> Int32 {
        let path = "\(directory)/\(StoreSchema.lockName)"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(.unavailable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let cause = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            if cause == EWOULDBLOCK {
                let pid = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
                throw StoreError(
                    .locked,
                    "\(directory) is locked by another writer (pid \(pid)); stop it, or open the store read-only (EmbeddedStoreOptions(mode: .readOnly))")
            }
            throw StoreError(.unavailable, "cannot lock \(path): \(String(cString: strerror(cause)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    static func release(_ fd: Int32) {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
