import Foundation
import LossKitRedis
import Synchronization

/// A proxy to a real server that drops the client at the first `EXEC` it sees: before
/// passing it on, or after the server ran it but before the reply gets back, so a save
/// cannot know whether its transaction happened.
final class DroppingProxy: Sendable {
  /// When to drop the client.
  enum Moment: Sendable {
    case beforeExec
    case afterExec
  }

  /// A flag threads share.
  private final class Flag: Sendable {
    let value = Atomic(false)
  }

  let port: Int
  private let stopped = Flag()

  init(to upstream: RedisEndpoint, dropping moment: Moment) {
    let listener = LoopbackListener()
    port = listener.port
    let dropped = Flag()
    let stopped = self.stopped
    Thread {
      while !stopped.value.load(ordering: .relaxed) {
        guard let descriptor = listener.accept(within: 100) else { continue }
        Thread {
          Self.serve(descriptor, upstream: upstream) { command in
            guard command == "EXEC", !dropped.value.exchange(true, ordering: .relaxed) else {
              return nil
            }
            return moment
          }
        }.start()
      }
    }.start()
  }

  deinit { stopped.value.store(true, ordering: .relaxed) }

  /// The proxy's endpoint.
  var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port) }

  /// Passes commands on one at a time until the client leaves or `drop` says to drop it.
  private static func serve(
    _ descriptor: Int32, upstream: RedisEndpoint, drop: (String) -> Moment?
  ) {
    let client = TCPSocket(descriptor: descriptor, readTimeout: 10_000, writeTimeout: 10_000)
    guard let server = try? RedisConnection(to: upstream) else { return }
    var reader = RESPReader(stream: client, options: RedisConnectionOptions())
    while case .array(let parts?)? = try? reader.next() {
      let arguments = parts.compactMap { part -> Data? in
        guard case .bulk(let data?) = part else { return nil }
        return data
      }
      guard let name = arguments.first.map({ String(decoding: $0, as: UTF8.self) }) else { return }
      let command = RedisCommand(name, arguments: Array(arguments.dropFirst()))
      let moment = drop(name.uppercased())
      if moment == .beforeExec { return }
      guard let reply = try? server.pipeline([command])[0] else { return }
      if moment == .afterExec { return }
      guard (try? Data(encode(reply)).withUnsafeBytes(client.send)) != nil else { return }
    }
  }

  /// A reply in RESP2, as the server sent it.
  private static func encode(_ value: RESPValue) -> [UInt8] {
    switch value {
    case .simple(let text): return Array("+\(text)\r\n".utf8)
    case .error(let text): return Array("-\(text)\r\n".utf8)
    case .integer(let number): return Array(":\(number)\r\n".utf8)
    case .bulk(nil): return Array("$-1\r\n".utf8)
    case .bulk(let data?): return Array("$\(data.count)\r\n".utf8) + data + Array("\r\n".utf8)
    case .array(nil): return Array("*-1\r\n".utf8)
    case .array(let elements?):
      return Array("*\(elements.count)\r\n".utf8) + elements.flatMap(encode)
    }
  }
}
