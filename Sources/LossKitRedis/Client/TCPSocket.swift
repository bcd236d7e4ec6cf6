#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#else
  #error("LossKitRedis needs the POSIX socket API (Glibc or Darwin)")
#endif

#if canImport(Glibc)
  private let streamSocketType = Int32(SOCK_STREAM.rawValue)
  /// Linux reports a closed peer on `send` as `EPIPE` instead of raising `SIGPIPE` with this.
  private let sendFlags = Int32(MSG_NOSIGNAL)
#else
  private let streamSocketType = SOCK_STREAM
  private let sendFlags: Int32 = 0
#endif

/// Why a socket operation failed; ``RedisConnection`` turns it into a ``RedisError`` that
/// names the server and what it was doing.
package enum TransportFailure: Error, Equatable {
  /// Nothing arrived, or nothing could be sent, within the timeout.
  case timedOut
  /// The peer closed or reset the connection.
  case closed
  /// Any other system error, described.
  case failed(String)
}

/// A byte source that a ``RESPReader`` reads replies from.
package protocol ByteStream {
  /// Reads up to `buffer.count` bytes into `buffer`, waiting for at least one.
  ///
  /// - Returns: the number of bytes read, 0 at the end of the stream.
  /// - Throws: ``TransportFailure``.
  mutating func receive(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A connected, non-blocking TCP socket whose reads and writes wait with `poll` up to their
/// timeouts; the descriptor is closed when the socket is released.
package final class TCPSocket: ByteStream {
  private let descriptor: Int32
  private let readTimeout: Int32
  private let writeTimeout: Int32

  /// Wraps a connected descriptor (made non-blocking here); timeouts in milliseconds.
  package init(descriptor: Int32, readTimeout: Int32, writeTimeout: Int32) {
    self.descriptor = descriptor
    self.readTimeout = readTimeout
    self.writeTimeout = writeTimeout
    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL, 0) | O_NONBLOCK)
    #if canImport(Darwin)
      var one: Int32 = 1
      _ = setsockopt(
        descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
    #endif
  }

  deinit { close(descriptor) }

  /// Connects to the first address of `host` that accepts, trying each in turn.
  ///
  /// - Throws: ``RedisError/connectionRefused(address:)`` when every address refused,
  ///   ``RedisError/timedOut(address:activity:seconds:)``, or
  ///   ``RedisError/unreachable(address:reason:)``.
  package static func connect(
    to endpoint: RedisEndpoint, options: RedisConnectionOptions
  ) throws -> TCPSocket {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = streamSocketType
    hints.ai_protocol = Int32(IPPROTO_TCP)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
    guard status == 0, let first = list else {
      let reason = String(cString: gai_strerror(status))
      throw RedisError.unreachable(address: endpoint.address, reason: reason)
    }
    defer { freeaddrinfo(list) }
    var failures: [TransportFailure] = []
    var refused = false
    var next: UnsafeMutablePointer<addrinfo>? = first
    while let info = next {
      next = info.pointee.ai_next
      switch attempt(info.pointee, timeout: options.connectTimeout.pollMilliseconds) {
      case .success(let descriptor):
        return TCPSocket(
          descriptor: descriptor, readTimeout: options.readTimeout.pollMilliseconds,
          writeTimeout: options.writeTimeout.pollMilliseconds)
      case .failure(let failure):
        if failure == .closed { refused = true } else { failures.append(failure) }
      }
    }
    if failures.contains(.timedOut) {
      throw RedisError.timedOut(
        address: endpoint.address, activity: "connecting", seconds: options.connectTimeout.seconds)
    }
    if refused { throw RedisError.connectionRefused(address: endpoint.address) }
    guard case .failed(let reason) = failures.first else {
      throw RedisError.unreachable(address: endpoint.address, reason: "no usable address")
    }
    throw RedisError.unreachable(address: endpoint.address, reason: reason)
  }

  /// One non-blocking connect; `.closed` stands for a refusal.
  private static func attempt(_ info: addrinfo, timeout: Int32) -> Result<Int32, TransportFailure> {
    let descriptor = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
    guard descriptor >= 0 else { return .failure(.failed(Self.describe(errno))) }
    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL, 0) | O_NONBLOCK)
    var outcome: Int32 = 0
    if systemConnect(descriptor, info.ai_addr, info.ai_addrlen) != 0 {
      outcome = errno
      if outcome == EINPROGRESS {
        switch wait(descriptor, for: Int16(POLLOUT), timeout: timeout) {
        case .success:
          var error: Int32 = 0
          var length = socklen_t(MemoryLayout<Int32>.size)
          outcome =
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length) == 0 ? error : errno
        case .failure(let failure):
          close(descriptor)
          return .failure(failure)
        }
      }
    }
    guard outcome == 0 else {
      close(descriptor)
      return .failure(outcome == ECONNREFUSED ? .closed : .failed(Self.describe(outcome)))
    }
    var one: Int32 = 1
    _ = setsockopt(
      descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    return .success(descriptor)
  }

  package func receive(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    while true {
      let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
      if count >= 0 { return count }
      let error = errno
      if error == EINTR { continue }
      if error == EAGAIN || error == EWOULDBLOCK {
        try Self.wait(descriptor, for: Int16(POLLIN), timeout: readTimeout).get()
        continue
      }
      if error == ECONNRESET || error == EPIPE { throw TransportFailure.closed }
      throw TransportFailure.failed(Self.describe(error))
    }
  }

  /// Sends every byte of `bytes`.
  ///
  /// - Throws: ``TransportFailure``.
  package func send(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      let count = systemSend(
        descriptor, bytes.baseAddress! + offset, bytes.count - offset, sendFlags)
      if count > 0 {
        offset += count
        continue
      }
      let error = errno
      if count < 0 && error == EINTR { continue }
      if count < 0 && (error == EAGAIN || error == EWOULDBLOCK) {
        try Self.wait(descriptor, for: Int16(POLLOUT), timeout: writeTimeout).get()
        continue
      }
      if count == 0 || error == ECONNRESET || error == EPIPE { throw TransportFailure.closed }
      throw TransportFailure.failed(Self.describe(error))
    }
  }

  /// Waits until `descriptor` is ready for `events` (or has hung up, which the next read
  /// or write reports).
  private static func wait(
    _ descriptor: Int32, for events: Int16, timeout: Int32
  ) -> Result<Void, TransportFailure> {
    var poller = pollfd(fd: descriptor, events: events, revents: 0)
    while true {
      let ready = poll(&poller, 1, timeout)
      if ready > 0 { return .success(()) }
      if ready == 0 { return .failure(.timedOut) }
      if errno != EINTR { return .failure(.failed(describe(errno))) }
    }
  }

  /// The system's text for an `errno` value.
  private static func describe(_ error: Int32) -> String { String(cString: strerror(error)) }
}

/// The C `connect`, which `TCPSocket.connect` shadows inside the class.
private func systemConnect(
  _ descriptor: Int32, _ address: UnsafePointer<sockaddr>!, _ length: socklen_t
) -> Int32 {
  connect(descriptor, address, length)
}

/// The C `send`, which `TCPSocket.send` shadows inside the class.
private func systemSend(
  _ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32
) -> Int {
  send(descriptor, bytes, count, flags)
}
