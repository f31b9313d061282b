import Foundation
import Glibc
import KeelLog
import Logging

/// Wakes read-only instances when another process commits, with inotify instead of polling.
///
/// Watches the log directory for `IN_MODIFY` / `IN_CREATE` / `IN_MOVED_TO` of `log.db-wal`,
/// `log.db` and `notify` (the writer rewrites `notify` right *after* each commit is visible, so
/// a wake-up on it never races the commit; the WAL and database events come too). A long
/// safety timeout (30 s) bumps waiters anyway, in case an event was ever lost.
///
/// NOTE `@unchecked Sendable`: the only state is two immutable file descriptors; the thread
/// owns the inotify descriptor's reads, `stop` only writes one byte to the pipe.
final class DirectoryWatcher: @unchecked Sendable {
    private let inotifyFD: Int32
    private let stopPipe: (read: Int32, write: Int32)

    init(directory: String, names: Set<String>, notifier: ChangeNotifier, logger: Logger) throws(EventLogError) {
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw EventLogError(.internalError, "inotify_init1 failed: \(String(cString: strerror(errno)))") }
        let mask = UInt32(IN_MODIFY) | UInt32(IN_CREATE) | UInt32(IN_MOVED_TO) | UInt32(IN_CLOSE_WRITE)
        guard inotify_add_watch(fd, directory, mask) >= 0 else {
            let cause = String(cString: strerror(errno))
            close(fd)
            throw EventLogError(.unreachable, "cannot watch \(directory) with inotify: \(cause)")
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            close(fd)
            throw EventLogError(.internalError, "pipe failed: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        inotifyFD = fd
        stopPipe = (fds[0], fds[1])
        let thread = Thread { [fd, stopRead = fds[0]] in
            Self.run(inotifyFD: fd, stopFD: stopRead, names: names, notifier: notifier)
            close(fd)
            close(stopRead)
        }
        thread.name = "keel-log-watch"
        thread.stackSize = 1 << 18
        thread.start()
    }

    private static func run(inotifyFD: Int32, stopFD: Int32, names: Set<String>, notifier: ChangeNotifier) {
        let bufferSize = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 8)
        defer { buffer.deallocate() }
        let safetyTimeoutMs: Int32 = 30_000
        while true {
            var fds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0), pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, safetyTimeoutMs)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if ready == 0 {
                notifier.bump()
                continue
            }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let count = read(inotifyFD, buffer, bufferSize)
            if count <= 0 { continue }
            var relevant = false
            var offset = 0
            let headerSize = MemoryLayout<inotify_event>.size
            while offset + headerSize <= count {
                let length = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                if length > 0 {
                    let namePointer = (buffer + offset + headerSize).assumingMemoryBound(to: CChar.self)
                    let name = String(cString: namePointer)
                    if names.contains(name) { relevant = true }
                }
                offset += headerSize + length
            }
            if relevant { notifier.bump() }
        }
    }

    func stop() {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        close(stopPipe.write)
    }
}
