import Foundation

/// Plain-socket probes of 127.0.0.1, with no HTTP client retries in the way.
enum Loopback {
    /// A port that was free a moment ago (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw BackendProcess.Failure(description: "cannot bind a probe socket") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A port on which connections are refused for as long as the returned socket stays open: it is bound but not
    /// listening, so no server started meanwhile (by a parallel test) can take it, as it could a released port.
    /// The caller closes the socket.
    static func refusingPort() throws -> (port: Int, socket: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw BackendProcess.Failure(description: "cannot bind a probe socket")
        }
        return (Int(UInt16(bigEndian: address.sin_port)), fd)
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` (one connect, no retries).
    static func isListening(port: Int) -> Bool {
        guard let fd = openConnection(port: port) else { return false }
        close(fd)
        return true
    }

    /// A TCP connection to 127.0.0.1:`port` (one connect, no retries), or nil with `errno` set when nothing
    /// accepts it. The caller closes the descriptor.
    static func openConnection(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = address(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let failure = errno
            close(fd)
            errno = failure
            return nil
        }
        return fd
    }

    /// 127.0.0.1:`port` as a socket address.
    private static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}
