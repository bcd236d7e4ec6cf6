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
