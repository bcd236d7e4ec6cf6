import Foundation
import LossKitRedis

/// A one-connection server on 127.0.0.1 that answers each command it reads with scripted
/// bytes: for replies no real server sends (half a reply, a hostile length, silence).
final class FakeRedisServer: Sendable {
  /// What to do with one command.
  enum Response: Sendable {
    /// Send these bytes.
    case send(String)
    /// Send these bytes, then close the connection.
    case sendAndClose(String)
    /// Send nothing, keep the connection open.
    case silence
  }

  let port: Int
  private let done = DispatchSemaphore(value: 0)

  /// Starts serving; `respond` gets each command (its parts as text) and how many came before.
  init(_ respond: @escaping @Sendable (_ command: [String], _ index: Int) -> Response) {
    let listener = LoopbackListener()
    port = listener.port
    let done = self.done
    Thread {
      defer { done.signal() }
      guard let descriptor = listener.accept(within: 10_000) else { return }
      let socket = TCPSocket(descriptor: descriptor, readTimeout: 10_000, writeTimeout: 10_000)
      var reader = RESPReader(stream: socket, options: RedisConnectionOptions())
      var index = 0
      var silent = false
      while let command = try? reader.next() {
        guard case .array(let parts?) = command else { return }
        let text = parts.map { part -> String in
          guard case .bulk(let data?) = part else { return "" }
          return String(decoding: data, as: UTF8.self)
        }
        if silent { continue }
        switch respond(text, index) {
        case .send(let bytes): try? Data(bytes.utf8).withUnsafeBytes(socket.send)
        case .sendAndClose(let bytes):
          try? Data(bytes.utf8).withUnsafeBytes(socket.send)
          return
        case .silence: silent = true
        }
        index += 1
      }
    }.start()
  }

  /// The endpoint of the server.
  var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port) }

  /// Waits until the connection is over (closed by either side, or the idle timeout).
  func wait() { done.wait() }
}
