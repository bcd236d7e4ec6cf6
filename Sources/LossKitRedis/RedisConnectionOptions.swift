/// Timeouts and reply limits of a Redis connection.
///
/// Replies are untrusted: a length the server announces is checked against these limits
/// before anything is allocated for it, so a broken or hostile server cannot make the client
/// allocate without bound.
public struct RedisConnectionOptions: Sendable, Equatable {
  /// How long to wait for the TCP connection (per address the host resolves to).
  public var connectTimeout: Duration
  /// How long to wait for the next bytes of a reply; a reply that keeps arriving may take
  /// longer in total.
  public var readTimeout: Duration
  /// How long to wait for the server to accept more bytes of a command.
  public var writeTimeout: Duration
  /// The largest bulk string accepted in a reply, 512 MiB by default (the largest value a
  /// default Redis server keeps, its `proto-max-bulk-len`).
  public var maxBulkBytes: Int
  /// The most array elements accepted in one reply, counted over every nesting level.
  public var maxReplyElements: Int

  /// Options with the given values; the defaults suit a server on the local network.
  public init(
    connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(30),
    writeTimeout: Duration = .seconds(30), maxBulkBytes: Int = 512 << 20,
    maxReplyElements: Int = 1 << 20
  ) {
    self.connectTimeout = connectTimeout
    self.readTimeout = readTimeout
    self.writeTimeout = writeTimeout
    self.maxBulkBytes = maxBulkBytes
    self.maxReplyElements = maxReplyElements
  }
}

extension Duration {
  /// The duration in whole milliseconds, at least 1, as `PX`, `PEXPIRE` and `poll` take it.
  var wholeMilliseconds: Int {
    let (seconds, attoseconds) = components
    let (milliseconds, overflow) = Int(seconds).multipliedReportingOverflow(by: 1000)
    guard !overflow else { return seconds < 0 ? 1 : .max }
    return max(1, milliseconds + Int(attoseconds / 1_000_000_000_000_000))
  }

  /// The duration in milliseconds as `poll` takes it.
  var pollMilliseconds: Int32 { Int32(clamping: wholeMilliseconds) }

  /// The duration in seconds, for messages.
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}
