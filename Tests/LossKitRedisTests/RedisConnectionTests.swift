import Foundation
import LossKitRedis
import Testing

@Suite(.needsRedisServer) struct RedisConnectionTests {
  @Test func aConnectionRunsCommandsOnItsDatabase() throws {
    let server = try RedisServer()
    let connection = try RedisConnection(to: try RedisEndpoint(url: server.url(database: 3)))
    try connection.set("k", Data("v".utf8))
    #expect(try connection.get("k") == Data("v".utf8))
    #expect(try server.keys(database: 0).isEmpty)
    #expect(try server.keys(database: 3) == ["k"])
  }

  @Test func theRightPasswordLogsIn() throws {
    let server = try RedisServer(password: "s3cret")
    let connection = try RedisConnection(to: try RedisEndpoint(url: server.url()))
    #expect(try connection.run(RedisCommand("PING")) == .simple("PONG"))
  }

  @Test func anACLUserLogsInWithUserAndPassword() throws {
    let server = try RedisServer(arguments: [
      "--user", "alice", "on", ">wonder", "~*", "&*", "+@all",
    ])
    let url = "redis://alice:wonder@127.0.0.1:\(server.port)"
    #expect(
      try RedisConnection(to: try RedisEndpoint(url: url)).run(RedisCommand("PING"))
        == .simple("PONG"))
    #expect {
      try RedisConnection(to: try RedisEndpoint(url: "redis://alice:nope@127.0.0.1:\(server.port)"))
    } throws: { error in
      guard case .authenticationFailed(_, let message) = error as? RedisError else { return false }
      return message.hasPrefix("WRONGPASS")
    }
  }

  @Test func aWrongPasswordIsRejectedSayingWhereToFixIt() throws {
    let server = try RedisServer(password: "s3cret")
    let url = "redis://:wrong@127.0.0.1:\(server.port)"
    #expect {
      try RedisConnection(to: try RedisEndpoint(url: url))
    } throws: { error in
      guard
        case .authenticationFailed("127.0.0.1:\(server.port)", let message) = error as? RedisError
      else { return false }
      return message.hasPrefix("WRONGPASS") && "\(error)".contains("password in the redis:// URL")
        && !"\(error)".contains("wrong@")
    }
  }

  @Test func aMissingPasswordSaysHowToGiveOne() throws {
    let server = try RedisServer(password: "s3cret")
    let connection = try RedisConnection(to: RedisEndpoint(host: "127.0.0.1", port: server.port))
    #expect(throws: RedisError.authenticationRequired(address: "127.0.0.1:\(server.port)")) {
      try connection.get("k")
    }
    #expect(
      "\(RedisError.authenticationRequired(address: "h:1"))".contains("redis://:PASSWORD@h:1"))
  }

  @Test func aPasswordForAServerWithoutOneIsAnAuthenticationFailure() throws {
    let server = try RedisServer()
    #expect {
      try RedisConnection(to: RedisEndpoint(host: "127.0.0.1", port: server.port, password: "x"))
    } throws: { error in
      guard case .authenticationFailed = error as? RedisError else { return false }
      return true
    }
  }

  @Test func aDatabaseTheServerLacksIsRefusedWithAdvice() throws {
    let server = try RedisServer(arguments: ["--databases", "4"])
    #expect {
      try RedisConnection(to: try RedisEndpoint(url: server.url(database: 4)))
    } throws: { error in
      guard case .serverError(_, "SELECT", _) = error as? RedisError else { return false }
      return "\(error)".contains("below the server's `databases` setting")
    }
  }

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

  @Test func aServerKilledDuringALargeReplyIsAClosedConnectionNotGarbage() throws {
    let server = try RedisServer()
    try server.connection().set("big", Data(repeating: 7, count: 64 << 20))
    let endpoint = server.endpoint
    let errors = concurrently([
      {
        let value = try RedisConnection(to: endpoint).get("big")
        #expect(value == Data(repeating: 7, count: 64 << 20))
      },
      {
        Thread.sleep(forTimeInterval: 0.005)
        server.stop()
      },
    ])
    // The kill lands during the reply, or (rarely, on a loaded machine) before the connection
    // or after the reply, when the value must be whole.
    for error in errors {
      switch error as? RedisError {
      case .connectionClosed(_, "reading the reply to GET")?, .connectionRefused?: continue
      default: Issue.record("unexpected \(error)")
      }
    }
  }
}
