import Foundation

/// A synchronous RESP2 connection to one Redis server, logged in (`AUTH`) and on its
/// database (`SELECT`) once created. Used by one thread at a time.
///
/// Any transport failure or protocol violation leaves the connection unusable (the position
/// in the reply stream is lost): later commands fail at once with the same error.
package final class RedisConnection {
  /// The server.
  package let endpoint: RedisEndpoint
  private let socket: TCPSocket
  private let options: RedisConnectionOptions
  private var reader: RESPReader<TCPSocket>
  private var broken: RedisError?

  /// Connects, logs in and selects the endpoint's database.
  ///
  /// - Throws: ``RedisError``: refused, unreachable, timed out, or authentication errors.
  package init(to endpoint: RedisEndpoint, options: RedisConnectionOptions = .init()) throws {
    self.endpoint = endpoint
    self.options = options
    socket = try TCPSocket.connect(to: endpoint, options: options)
    reader = RESPReader(stream: socket, options: options)
    if let password = endpoint.password {
      let login = RedisCommand("AUTH", arguments: [endpoint.user, password].compactMap { $0 })
      let reply = try pipeline([login])[0]
      if case .error(let message) = reply {
        throw RedisError.authenticationFailed(address: endpoint.address, message: message)
      }
    }
    if endpoint.database != 0 { try run(RedisCommand("SELECT", endpoint.database)) }
  }

  /// Sends one command and returns its reply.
  ///
  /// - Throws: ``RedisError``, including ``RedisError/serverError(address:command:message:)``
  ///   for an error reply.
  @discardableResult
  package func run(_ command: RedisCommand) throws -> RESPValue {
    try checked(try pipeline([command])[0], for: command)
  }

  /// Sends every command before reading any reply, and returns the replies in order; error
  /// replies are returned as values (see ``checked(_:for:)``).
  ///
  /// - Throws: ``RedisError`` for transport failures and protocol violations.
  package func pipeline(_ commands: [RedisCommand]) throws -> [RESPValue] {
    if let broken { throw broken }
    let name = commands.first?.name ?? ""
    do {
      try RESPEncoder.encode(commands) { try socket.send($0) }
    } catch let failure as TransportFailure {
      throw fail(failure, activity: "sending \(name)", timeout: options.writeTimeout)
    }
    var replies: [RESPValue] = []
    replies.reserveCapacity(commands.count)
    do {
      for _ in commands { replies.append(try reader.next()) }
    } catch let failure as TransportFailure {
      throw fail(failure, activity: "reading the reply to \(name)", timeout: options.readTimeout)
    } catch let violation as RESPViolation {
      let error = RedisError.protocolViolation(
        address: endpoint.address, reason: "\(violation.reason), in the reply to \(name)")
      broken = error
      throw error
    }
    return replies
  }

  /// The reply itself, or the ``RedisError`` an error reply stands for.
  package func checked(_ reply: RESPValue, for command: RedisCommand) throws -> RESPValue {
    guard case .error(let message) = reply else { return reply }
    if message.hasPrefix("NOAUTH") {
      throw endpoint.password == nil
        ? RedisError.authenticationRequired(address: endpoint.address)
        : RedisError.authenticationFailed(address: endpoint.address, message: message)
    }
    throw serverError(message, for: command)
  }

  /// A protocol violation for a reply of the wrong shape.
  package func unexpected(_ reply: RESPValue, for command: RedisCommand) -> RedisError {
    .protocolViolation(
      address: endpoint.address, reason: "\(reply.kind) in reply to \(command.name)")
  }

  private func serverError(_ message: String, for command: RedisCommand) -> RedisError {
    .serverError(address: endpoint.address, command: command.name, message: message)
  }

  /// Marks the connection broken and returns the error for the caller to throw.
  private func fail(
    _ failure: TransportFailure, activity: String, timeout: Duration
  ) -> RedisError {
    let error: RedisError
    switch failure {
    case .timedOut:
      error = .timedOut(address: endpoint.address, activity: activity, seconds: timeout.seconds)
    case .closed: error = .connectionClosed(address: endpoint.address, activity: activity)
    case .failed(let reason):
      error = .unreachable(address: endpoint.address, reason: "\(reason) while \(activity)")
    }
    broken = error
    return error
  }
}
