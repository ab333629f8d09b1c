#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ConfigLoader {
    /// Reads the regular file `file` (by its resolved path), charging the bytes to `budget`;
    /// `failure` turns a problem description into an error that names the file (and key).
    ///
    /// The file type is checked with `stat` before the file is opened, so a FIFO (whose `open` would
    /// block), a socket, a directory or a device such as `/dev/zero` (which never ends) is refused
    /// without being opened. The file is then opened with `O_NONBLOCK`, checked again with `fstat`
    /// (it may have been replaced in between), and read up to the size limit plus one byte, so a
    /// file that grows while it is read cannot make the loader read without bound.
    static func readFile(
        _ file: ConfigFile, budget: ConfigLoadBudget, failure: (String) -> ConfigError
    ) throws -> [UInt8] {
        if let code = file.resolutionError { throw failure(describe(errno: code)) }
        let path = file.resolvedPath
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure(describe(errno: errno)) }
        if let problem = notRegularFile(info.st_mode) { throw failure(problem) }
        try checkSize(Int(info.st_size), budget: budget, failure: failure)

        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(describe(errno: errno)) }
        defer { close(descriptor) }
        guard fstat(descriptor, &info) == 0 else { throw failure(describe(errno: errno)) }
        if let problem = notRegularFile(info.st_mode) { throw failure(problem) }

        let limit = min(maxFileSize, budget.remainingBytes)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(Int(info.st_size), limit) + 1)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= limit {
            let wanted = min(chunk.count, limit + 1 - bytes.count)
            let count = chunk.withUnsafeMutableBytes { buffer in read(descriptor, buffer.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(describe(errno: errno))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        if bytes.count > maxFileSize {
            throw failure("config file is too large (more than \(maxFileSize) bytes, limit \(maxFileSize))")
        }
        try checkSize(bytes.count, budget: budget, failure: failure)
        try budget.spendBytes(bytes.count) { total in failure(totalBytesProblem(total)) }
        return bytes
    }

    /// Refuses a file of `size` bytes that is over the per-file limit or over what is left of the
    /// load's byte budget.
    private static func checkSize(_ size: Int, budget: ConfigLoadBudget, failure: (String) -> ConfigError) throws {
        guard size <= maxFileSize else {
            throw failure("config file is too large (\(size) bytes, limit \(maxFileSize))")
        }
        guard size <= budget.remainingBytes else { throw failure(totalBytesProblem(budget.bytes + size)) }
    }

    /// The problem text for a load that would read more than `maxTotalBytes`.
    static func totalBytesProblem(_ total: Int) -> String {
        "reading it would bring this load to \(total) bytes, more than the limit of \(maxTotalBytes) bytes "
            + "for all config, $include and $file files together (ConfigLoader.maxTotalBytes)"
    }

    /// Why a file of mode `mode` is not read, or `nil` for a regular file.
    private static func notRegularFile(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "is a directory, not a file"
        case S_IFIFO: "is a FIFO (named pipe), not a regular file; refused without opening it"
        case S_IFSOCK: "is a socket, not a regular file; refused without opening it"
        case S_IFCHR: "is a character device, not a regular file; refused without opening it"
        case S_IFBLK: "is a block device, not a regular file; refused without opening it"
        default: "is not a regular file; refused without opening it"
        }
    }

    /// A problem description for a failed `realpath`, `stat`, `open` or `read`.
    static func describe(errno code: Int32) -> String {
        switch code {
        case ENOENT, ENOTDIR: "no such file"
        case EACCES, EPERM: "cannot be read (permission denied)"
        case ELOOP: "cannot be resolved (too many levels of symbolic links: a symlink loop?)"
        case ENAMETOOLONG: "cannot be resolved (the path is too long)"
        default: "cannot be read (\(String(cString: strerror(code))))"
        }
    }
}
