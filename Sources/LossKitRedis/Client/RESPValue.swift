import Foundation

/// One RESP2 reply from a Redis server.
package enum RESPValue: Sendable, Equatable {
  /// A simple string (`+OK`).
  case simple(String)
  /// An error reply (`-ERR …`), its text without the `-`.
  case error(String)
  /// An integer (`:1`).
  case integer(Int)
  /// A bulk string (`$3 foo`), `nil` for the null bulk string (`$-1`).
  case bulk(Data?)
  /// An array (`*2 …`), `nil` for the null array (`*-1`, an aborted transaction).
  case array([RESPValue]?)

  /// What kind of reply this is, for messages ("an integer").
  package var kind: String {
    switch self {
    case .simple(let text): return "the status '\(text.prefix(40))'"
    case .error(let text): return "the error '\(text.prefix(200))'"
    case .integer(let value): return "the integer \(value)"
    case .bulk(let data): return data.map { "a bulk string of \($0.count) bytes" } ?? "nil"
    case .array(let elements): return elements.map { "an array of \($0.count)" } ?? "a nil array"
    }
  }
}
