import Foundation

/// A value that can be an argument of a Redis command: its bytes as sent.
package protocol RedisArgument {
  /// The argument's bytes.
  var redisBytes: Data { get }
}

extension String: RedisArgument {
  package var redisBytes: Data { Data(utf8) }
}

extension Data: RedisArgument {
  package var redisBytes: Data { self }
}

extension Int: RedisArgument {
  package var redisBytes: Data { Data(String(self).utf8) }
}

/// One Redis command: its name and arguments, sent as a RESP array of bulk strings.
package struct RedisCommand: Sendable {
  /// The name (`SET`) followed by the arguments, as sent.
  package var parts: [Data]

  /// A command from its name and arguments.
  package init(_ name: String, _ arguments: any RedisArgument...) {
    parts = [Data(name.utf8)] + arguments.map(\.redisBytes)
  }

  /// A command from its name and a list of arguments.
  package init(_ name: String, arguments: [any RedisArgument]) {
    parts = [Data(name.utf8)] + arguments.map(\.redisBytes)
  }

  /// The command's name, for messages.
  package var name: String { String(decoding: parts[0], as: UTF8.self) }
}

/// Writes commands in RESP2, passing large arguments to the sink as they are instead of
/// copying them into the buffer of small pieces.
package enum RESPEncoder {
  /// Arguments at least this long go to the sink on their own.
  static let directArgumentBytes = 64 << 10

  /// Encodes `commands` in order, calling `sink` with consecutive pieces of the encoding.
  package static func encode(
    _ commands: [RedisCommand], into sink: (UnsafeRawBufferPointer) throws -> Void
  ) rethrows {
    var pending: [UInt8] = []
    pending.reserveCapacity(4096)
    for command in commands {
      pending.append(contentsOf: "*\(command.parts.count)\r\n".utf8)
      for part in command.parts {
        pending.append(contentsOf: "$\(part.count)\r\n".utf8)
        if part.count >= directArgumentBytes {
          try pending.withUnsafeBytes(sink)
          pending.removeAll(keepingCapacity: true)
          try part.withUnsafeBytes(sink)
        } else {
          pending.append(contentsOf: part)
        }
        pending.append(contentsOf: "\r\n".utf8)
      }
    }
    try pending.withUnsafeBytes(sink)
  }
}
