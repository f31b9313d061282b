import Foundation
import Glibc

/// `DIR/<name>`: an exclusive `flock` held by the one writer process of an embedded directory,
/// with its pid inside for the message the next writer gets. The kernel releases it when the
/// process dies, so a crashed writer never leaves a stale lock.
package enum WriterLock {
    /// Takes the lock, returning its file descriptor; `Failure.locked` naming the holder's pid
    /// when another process holds it. `readOnlyHint` tells the user how to read beside it.
    package static func acquire<Failure: SQLiteFailure>(
        directory: String, name: String, readOnlyHint: String, as failure: Failure.Type = Failure.self
    ) throws(Failure) -> Int32 {
        let path = "\(directory)/\(name)"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Failure.unavailable("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let cause = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            if cause == EWOULDBLOCK {
                let pid = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
                throw Failure.locked("\(directory) is locked by another writer (pid \(pid)); stop it, or \(readOnlyHint)")
            }
            throw Failure.unavailable("cannot lock \(path): \(String(cString: strerror(cause)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    package static func release(_ fd: Int32) {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
