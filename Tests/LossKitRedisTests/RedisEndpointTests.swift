import LossKitRedis
import Testing

@Suite struct RedisEndpointTests {
  @Test(arguments: [
    ("redis://127.0.0.1:6379", RedisEndpoint(host: "127.0.0.1")),
    ("redis://cache.internal", RedisEndpoint(host: "cache.internal")),
    ("REDIS://h:6380/", RedisEndpoint(host: "h", port: 6380)),
    ("redis://h:6380/15", RedisEndpoint(host: "h", port: 6380, database: 15)),
    ("redis://:s3cret@h:1/2", RedisEndpoint(host: "h", port: 1, database: 2, password: "s3cret")),
    ("redis://alice:pa:ss@h", RedisEndpoint(host: "h", user: "alice", password: "pa:ss")),
    ("redis://:p%40ss%2F@h", RedisEndpoint(host: "h", password: "p@ss/")),
    ("redis://:a@b@h", RedisEndpoint(host: "h", password: "a@b")),
    ("redis://[::1]:7000/3", RedisEndpoint(host: "::1", port: 7000, database: 3)),
    ("redis://[::1]", RedisEndpoint(host: "::1")),
  ])
  func parsesEveryFormOfTheURL(url: String, expected: RedisEndpoint) throws {
    #expect(try RedisEndpoint(url: url) == expected)
  }

  @Test(arguments: [
    ("http://h:6379", "does not start with redis://"),
    ("rediss://h:6379", "TLS (rediss://) is not supported"),
    ("redis://", "it has no host"),
    ("redis://:6379", "it has no host"),
    ("redis://h:0", "not a number from 1 to 65535"),
    ("redis://h:65536", "not a number from 1 to 65535"),
    ("redis://h:port", "not a number from 1 to 65535"),
    ("redis://h:6379/x", "is not a database number"),
    ("redis://h:6379/0/model", "is not a database number"),
    ("redis://h:6379/-1", "is not a database number"),
    ("redis://h/0?prefix=a", "query and fragment"),
    ("redis://alice@h", "names a user but no password"),
    ("redis://:%zz@h", "broken %-escape"),
    ("redis://[::1:6379", "lacks ']'"),
  ])
  func rejectsUnusableURLsSayingWhy(url: String, reason: String) {
    #expect {
      try RedisEndpoint(url: url)
    } throws: { error in
      guard case .invalidURL(_, let found) = error as? RedisError else { return false }
      return found.contains(reason) && "\(error)".contains("redis://[[USER]:PASSWORD@]HOST")
    }
  }

  @Test func thePasswordIsNeverShown() throws {
    let endpoint = try RedisEndpoint(url: "redis://bob:hunter2@h:6379/1")
    #expect(endpoint.description == "redis://bob@h:6379/1")
    #expect(
      throws: RedisError.invalidURL(
        "redis://bob:***@h:6379/x",
        reason: "the path '/x' "
          + "is not a database number (the model name is not part of the store URL)")
    ) {
      try RedisEndpoint(url: "redis://bob:hunter2@h:6379/x")
    }
  }

  @Test func anIPv6AddressIsBracketedInMessages() {
    #expect(RedisEndpoint(host: "::1", port: 7000).address == "[::1]:7000")
    #expect(RedisEndpoint(host: "::1", port: 7000).description == "redis://[::1]:7000/0")
  }
}
