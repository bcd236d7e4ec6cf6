import Foundation

/// Where a Redis server is and how to log in: parsed from
/// `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`.
///
/// ```swift
/// let endpoint = try RedisEndpoint(url: "redis://:secret@10.0.0.5:6380/2")
/// print(endpoint)  // redis://10.0.0.5:6380/2 (the password is never printed)
/// ```
///
/// The user name and password may be percent-encoded (`%40` for `@`). A user name selects
/// an ACL user (`AUTH USER PASSWORD`); without one the password is the server's
/// `requirepass`. TLS (`rediss://`) is not supported.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
  /// The host name or IP address (IPv6 without brackets).
  public var host: String
  /// The TCP port.
  public var port: Int
  /// The database number (`SELECT`), 0 by default.
  public var database: Int
  /// The ACL user, or `nil` for the default user.
  public var user: String?
  /// The password, or `nil` when the server needs none.
  public var password: String?

  /// The port Redis listens on unless told otherwise.
  public static let defaultPort = 6379

  /// An endpoint from its parts.
  public init(
    host: String, port: Int = RedisEndpoint.defaultPort, database: Int = 0,
    user: String? = nil, password: String? = nil
  ) {
    self.host = host
    self.port = port
    self.database = database
    self.user = user
    self.password = password
  }

  /// Parses a `redis://` URL.
  ///
  /// - Throws: ``RedisError/invalidURL(_:reason:)`` naming what is wrong (the message shows
  ///   the URL without its password).
  public init(url: String) throws {
    let shown = Self.redacted(url)
    func invalid(_ reason: String) -> RedisError { .invalidURL(shown, reason: reason) }
    let lowercased = url.lowercased()
    if lowercased.hasPrefix("rediss://") {
      throw invalid(
        "TLS (rediss://) is not supported; use redis:// on a trusted network or "
          + "through a TLS tunnel (stunnel, ssh -L)")
    }
    guard lowercased.hasPrefix("redis://") else { throw invalid("it does not start with redis://") }
    var rest = Substring(url.dropFirst("redis://".count))
    var credentials: (user: String?, password: String?) = (nil, nil)
    if let at = rest.lastIndex(of: "@") {
      credentials = try Self.parseCredentials(rest[..<at], invalid: invalid)
      rest = rest[rest.index(after: at)...]
    }
    if rest.contains("?") || rest.contains("#") {
      throw invalid("query and fragment parts (? #) are not understood")
    }
    let slash = rest.firstIndex(of: "/") ?? rest.endIndex
    let (host, port) = try Self.parseHostAndPort(rest[..<slash], invalid: invalid)
    let path = rest[slash...].dropFirst()
    guard path.isEmpty || path.allSatisfy({ $0.isASCII && $0.isNumber }),
      let database = path.isEmpty ? 0 : Int32(path)
    else {
      throw invalid(
        "the path '/\(path)' is not a database number (the model name is not "
          + "part of the store URL)")
    }
    self.init(
      host: host, port: port, database: Int(database), user: credentials.user,
      password: credentials.password)
  }

  /// `host:port`, with brackets around an IPv6 address: how errors name the server.
  public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// The URL without the password: `redis://[USER@]HOST:PORT/DB`.
  public var description: String {
    let user = self.user.map {
      ($0.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? $0) + "@"
    }
    return "redis://\(user ?? "")\(address)/\(database)"
  }

  /// Reads `[USER]:PASSWORD` (both percent-decoded).
  private static func parseCredentials(
    _ text: Substring, invalid: (String) -> RedisError
  ) throws -> (user: String?, password: String?) {
    guard let colon = text.firstIndex(of: ":") else {
      throw invalid(
        "it names a user but no password; write redis://USER:PASSWORD@HOST, or "
          + "redis://:PASSWORD@HOST for the default user")
    }
    guard let user = String(text[..<colon]).removingPercentEncoding,
      let password = String(text[text.index(after: colon)...]).removingPercentEncoding
    else { throw invalid("the user or password has a broken %-escape") }
    return (user.isEmpty ? nil : user, password.isEmpty ? nil : password)
  }

  /// Reads `HOST[:PORT]` or `[IPV6][:PORT]`.
  private static func parseHostAndPort(
    _ text: Substring, invalid: (String) -> RedisError
  ) throws -> (String, Int) {
    var host: Substring
    var portText: Substring?
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else { throw invalid("an IPv6 address lacks ']'") }
      host = text[text.index(after: text.startIndex)..<close]
      let after = text[text.index(after: close)...]
      if !after.isEmpty {
        guard after.hasPrefix(":") else { throw invalid("unexpected '\(after)' after the host") }
        portText = after.dropFirst()
      }
    } else if let colon = text.lastIndex(of: ":") {
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
    } else {
      host = text
    }
    guard !host.isEmpty else { throw invalid("it has no host") }
    guard host.allSatisfy({ !$0.isWhitespace && $0 != "/" && $0 != "@" }) else {
      throw invalid("the host '\(host)' contains a space, '/' or '@'")
    }
    guard let portText else { return (String(host), defaultPort) }
    guard portText.allSatisfy(\.isASCII), let port = Int(portText), (1...65535).contains(port)
    else {
      throw invalid("the port '\(portText)' is not a number from 1 to 65535")
    }
    return (String(host), port)
  }

  /// The URL with any password replaced by `***`, for messages about a URL that may not parse.
  static func redacted(_ url: String) -> String {
    guard let scheme = url.range(of: "://"), let at = url.lastIndex(of: "@"),
      at > scheme.upperBound
    else { return url }
    let credentials = url[scheme.upperBound..<at]
    guard let colon = credentials.firstIndex(of: ":") else { return url }
    return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
  }
}
