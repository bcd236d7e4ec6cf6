import Foundation

/// The commands the model store uses, with their replies checked for shape.
extension RedisConnection {
  /// `GET key`: the value, or `nil` when the key does not exist.
  package func get(_ key: String) throws -> Data? {
    let command = RedisCommand("GET", key)
    switch try run(command) {
    case .bulk(let data): return data
    case let reply: throw unexpected(reply, for: command)
    }
  }

  /// `SET key value [PX milliseconds]`.
  package func set(_ key: String, _ value: Data, expiry: Duration? = nil) throws {
    try expectOK(RedisCommand.set(key, value, expiry: expiry))
  }

  /// `DEL key…`: how many of the keys existed.
  @discardableResult
  package func delete(_ keys: [String]) throws -> Int {
    guard !keys.isEmpty else { return 0 }
    return try integer(RedisCommand("DEL", arguments: keys))
  }

  /// `MULTI`, the commands, `EXEC`, sent together: the commands' replies, or `nil` when a
  /// watched key changed and the server ran none of them.
  ///
  /// Replies of commands that failed while running are returned as ``RESPValue/error(_:)``.
  ///
  /// - Throws: ``RedisError/serverError(address:command:message:)`` when the server refused
  ///   to queue a command (it then ran none of them).
  package func transaction(_ commands: [RedisCommand]) throws -> [RESPValue]? {
    let multi = RedisCommand("MULTI")
    let exec = RedisCommand("EXEC")
    let replies = try pipeline([multi] + commands + [exec])
    for (reply, command) in zip(replies.dropLast(), [multi] + commands) {
      _ = try checked(reply, for: command)
    }
    switch try checked(replies[replies.count - 1], for: exec) {
    case .array(let results):
      guard results == nil || results?.count == commands.count else {
        throw unexpected(replies[replies.count - 1], for: exec)
      }
      return results
    case let reply: throw unexpected(reply, for: exec)
    }
  }

  /// Every key matching a glob `pattern`, by `SCAN` (which, unlike `KEYS`, does not block
  /// the server); each key once.
  package func scan(matching pattern: String) throws -> [String] {
    var keys = Set<String>()
    var cursor = "0"
    var rounds = 0
    repeat {
      rounds += 1
      guard rounds <= Self.maxScanRounds else {
        throw RedisError.protocolViolation(
          address: endpoint.address, reason: "SCAN did not finish in \(Self.maxScanRounds) rounds")
      }
      let command = RedisCommand("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
      let reply = try run(command)
      guard case .array(let parts?) = reply, parts.count == 2,
        case .bulk(let next?) = parts[0], case .array(let batch?) = parts[1]
      else { throw unexpected(reply, for: command) }
      for element in batch {
        guard case .bulk(let key?) = element else { throw unexpected(reply, for: command) }
        keys.insert(String(decoding: key, as: UTF8.self))
      }
      cursor = String(decoding: next, as: UTF8.self)
      guard !cursor.isEmpty, cursor.allSatisfy(\.isNumber) else {
        throw unexpected(reply, for: command)
      }
    } while cursor != "0"
    return keys.sorted()
  }

  /// How many `SCAN` rounds of up to 1000 keys a listing may take (a server whose cursor
  /// never returns to 0 would otherwise keep the client busy for ever).
  static var maxScanRounds: Int { 1 << 20 }

  /// A reply that must be `+OK`.
  package func expectOK(_ command: RedisCommand) throws {
    let reply = try run(command)
    guard reply == .simple("OK") else { throw unexpected(reply, for: command) }
  }

  /// A reply that must be an integer.
  package func integer(_ command: RedisCommand) throws -> Int {
    switch try run(command) {
    case .integer(let value): return value
    case let reply: throw unexpected(reply, for: command)
    }
  }
}

extension RedisCommand {
  /// `SET key value [PX milliseconds]`.
  package static func set(_ key: String, _ value: Data, expiry: Duration?) -> RedisCommand {
    guard let expiry else { return RedisCommand("SET", key, value) }
    return RedisCommand("SET", key, value, "PX", expiry.wholeMilliseconds)
  }

  /// `PEXPIRE key milliseconds`, or `PERSIST key` without an expiry.
  package static func expire(_ key: String, after expiry: Duration?) -> RedisCommand {
    guard let expiry else { return RedisCommand("PERSIST", key) }
    return RedisCommand("PEXPIRE", key, expiry.wholeMilliseconds)
  }
}
