import Foundation
import LossKitRedis
import Testing

/// Connection failures, against fake servers and unused ports (no redis-server needed).
@Suite struct RedisConnectionFailureTests {
  @Test func connectionRefusedNamesTheAddressAndHowToStartAServer() {
    let port = LoopbackListener.freePort()
    #expect(throws: RedisError.connectionRefused(address: "127.0.0.1:\(port)")) {
      try RedisConnection(to: RedisEndpoint(host: "127.0.0.1", port: port))
    }
    let message = "\(RedisError.connectionRefused(address: "127.0.0.1:\(port)"))"
    #expect(message.contains("`redis-server --port \(port)`"))
    #expect(message.contains("apt-get install redis-server"))
  }

  @Test func anUnknownHostIsUnreachable() {
    #expect {
      try RedisConnection(to: RedisEndpoint(host: "no-such-host.invalid"))
    } throws: { error in
      guard case .unreachable("no-such-host.invalid:6379", _) = error as? RedisError else {
        return false
      }
      return true
    }
  }

  @Test func aServerThatSendsHalfAReplyAndClosesIsAClosedConnection() throws {
    let server = FakeRedisServer { _, _ in .sendAndClose("$1000\r\nonly a few bytes") }
    let connection = try RedisConnection(to: server.endpoint)
    #expect(
      throws: RedisError.connectionClosed(
        address: "127.0.0.1:\(server.port)", activity: "reading the reply to GET")
    ) {
      try connection.get("model")
    }
    #expect(
      throws: RedisError.connectionClosed(
        address: "127.0.0.1:\(server.port)", activity: "reading the reply to GET")
    ) {
      try connection.get("again")
    }
    server.wait()
  }

  @Test func aSilentServerTimesOut() throws {
    let server = FakeRedisServer { _, _ in .silence }
    let options = RedisConnectionOptions(readTimeout: .milliseconds(200))
    let connection = try RedisConnection(to: server.endpoint, options: options)
    let start = ContinuousClock.now
    #expect(
      throws: RedisError.timedOut(
        address: "127.0.0.1:\(server.port)", activity: "reading the reply to GET", seconds: 0.2)
    ) {
      try connection.get("model")
    }
    #expect(ContinuousClock.now - start < .seconds(5))
  }

  @Test func aHostileLengthIsAProtocolViolation() throws {
    let server = FakeRedisServer { _, _ in .send("$99999999999\r\n") }
    let connection = try RedisConnection(to: server.endpoint)
    #expect {
      try connection.get("model")
    } throws: { error in
      guard case .protocolViolation(_, let reason) = error as? RedisError else { return false }
      return reason.contains("a bulk string of 99999999999 bytes, over the client's limit")
        && reason.contains("in the reply to GET")
    }
  }

  @Test func aReplyOfTheWrongShapeIsAProtocolViolation() throws {
    let server = FakeRedisServer { _, _ in .send(":7\r\n") }
    let connection = try RedisConnection(to: server.endpoint)
    #expect(
      throws: RedisError.protocolViolation(
        address: "127.0.0.1:\(server.port)", reason: "the integer 7 in reply to GET")
    ) {
      try connection.get("model")
    }
  }
}
