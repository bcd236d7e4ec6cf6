import Foundation

/// Errors setting up and talking to a Redis server; each names the server (`host:port`, never
/// the password) and says what to do.
///
/// Problems with what is stored (a missing model, a key that is not a LossKit model) are
/// ``ArchiveError`` cases, as in every ``ModelStore``; this type covers the connection.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  /// A `redis://` URL that cannot be used (the URL is shown without its password).
  case invalidURL(String, reason: String)
  /// A store's expiry that is not a positive duration.
  case invalidExpiry(seconds: Double)
  /// Nothing listens at the address.
  case connectionRefused(address: String)
  /// The address cannot be resolved or reached.
  case unreachable(address: String, reason: String)
  /// The server did not answer in time.
  case timedOut(address: String, activity: String, seconds: Double)
  /// The server closed the connection, or it broke, before a reply was complete.
  case connectionClosed(address: String, activity: String)
  /// The server needs a password and the URL gives none.
  case authenticationRequired(address: String)
  /// The server rejected the user name or password.
  case authenticationFailed(address: String, message: String)
  /// The server's bytes are not a valid RESP2 reply, or exceed the client's limits.
  case protocolViolation(address: String, reason: String)
  /// The server answered a command with an error reply.
  case serverError(address: String, command: String, message: String)
  /// Newer saves kept replacing a model while it was being read.
  case modelKeptChanging(key: String, attempts: Int)

  /// The problem and what to do.
  public var description: String {
    switch self {
    case .invalidURL(let url, let reason):
      return "'\(url)' is not a usable Redis URL: \(reason); write it as "
        + "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], for example redis://127.0.0.1:6379/0"
    case .invalidExpiry(let seconds):
      return "an expiry of \(Self.format(seconds)) s is not positive; give at least 1 ms, or "
        + "no expiry to keep models until they are replaced or removed"
    case .connectionRefused(let address):
      return "cannot connect to Redis at \(address): connection refused (no server listens "
        + "there); start one with `redis-server --port \(Self.port(of: address))` (Debian: "
        + "`apt-get install redis-server`, macOS: `brew install redis`) or fix the host and "
        + "port in the redis:// URL"
    case .unreachable(let address, let reason):
      return "cannot connect to Redis at \(address): \(reason); check the host and port in "
        + "the redis:// URL"
    case .timedOut(let address, let activity, let seconds):
      return "Redis at \(address) did not answer within \(Self.format(seconds)) s while "
        + "\(activity); check that the server is up and reachable (a busy server or a slow "
        + "network may need a longer timeout)"
    case .connectionClosed(let address, let activity):
      return "Redis at \(address) closed the connection while \(activity); the server "
        + "stopped or dropped this client (its log says why: shutdown, maxclients, "
        + "client-output-buffer-limit); try again once it is back"
    case .authenticationRequired(let address):
      return "Redis at \(address) needs a password; put it in the URL: "
        + "redis://:PASSWORD@\(address) (or redis://USER:PASSWORD@\(address) for an ACL user)"
    case .authenticationFailed(let address, let message):
      return "Redis at \(address) rejected the credentials (\(message)); check the user and "
        + "password in the redis:// URL against the server's requirepass or ACL"
    case .protocolViolation(let address, let reason):
      return "the reply from \(address) is not valid Redis protocol: \(reason); check that "
        + "\(address) is a Redis server and not another service"
    case .serverError(let address, let command, let message):
      return "Redis at \(address) refused \(command): \(message)" + Self.advice(for: message)
    case .modelKeptChanging(let key, let attempts):
      return "model key '\(key)' was replaced by newer saves \(attempts) times in a row while "
        + "it was being read; read it again when saves of that name are less frequent"
    }
  }

  /// The same text as ``description``.
  public var errorDescription: String? { description }

  /// What to do about common server refusals.
  private static func advice(for message: String) -> String {
    if message.hasPrefix("OOM") {
      return "; the server is at its maxmemory: free memory, raise maxmemory, or save the "
        + "model elsewhere (nothing of this save was kept)"
    }
    if message.hasPrefix("READONLY") {
      return "; this server is a read-only replica: point the URL at the primary"
    }
    if message.contains("DB index is out of range") {
      return "; use a database number below the server's `databases` setting"
    }
    return ""
  }

  /// The port part of `host:port`, for the command that starts a server there.
  private static func port(of address: String) -> Substring {
    address.split(separator: ":").last ?? "6379"
  }

  /// Seconds without trailing zeros.
  private static func format(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
  }
}
