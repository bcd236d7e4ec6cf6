import Foundation
import LossKitRedis
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A `redis-server` of the test's own: 127.0.0.1 only, a free port, no persistence
/// (`--save '' --appendonly no`), a temporary directory; stopped and removed when released.
/// Its ``stop()`` may be called from any thread (a test kills it mid-read).
final class RedisServer: @unchecked Sendable {
  /// The `redis-server` to run: `$LOSSKIT_REDIS_SERVER` when set, else the first on `PATH`
  /// or in the usual places; `nil` when there is none.
  static let executable: String? = {
    let environment = ProcessInfo.processInfo.environment
    let folders =
      (environment["PATH"] ?? "").split(separator: ":").map(String.init)
      + ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/opt/homebrew/bin"]
    let given = environment["LOSSKIT_REDIS_SERVER"].flatMap { $0.isEmpty ? nil : [$0] }
    return (given ?? folders.map { $0 + "/redis-server" }).first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }()

  /// Whether a missing `redis-server` fails the tests instead of skipping them
  /// (`LOSSKIT_REDIS_REQUIRED=1`, as CI sets).
  static var required: Bool {
    ProcessInfo.processInfo.environment["LOSSKIT_REDIS_REQUIRED"] == "1"
  }

  /// Why the Redis tests skip, and how to run them.
  static let missing = Comment(
    rawValue: "redis-server not found: install it (Debian: `apt-get install redis-server`, "
      + "macOS: `brew install redis`) or set LOSSKIT_REDIS_SERVER to its path")

  let port: Int
  let password: String?
  private let directory: URL
  private let process: Process

  /// Starts a server with extra configuration (`["--requirepass", "secret"]`) and waits until
  /// it accepts connections.
  init(password: String? = nil, arguments: [String] = []) throws {
    self.password = password
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("losskit-redis-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    guard let executable = Self.executable else {
      throw RedisServerFailure(log: Self.missing.rawValue)
    }
    for _ in 0..<5 {
      let port = LoopbackListener.freePort()
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments =
        [
          "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
          "--dir", directory.path, "--logfile", directory.appendingPathComponent("log").path,
        ] + (password.map { ["--requirepass", $0] } ?? []) + arguments
      try process.run()
      if Self.waitUntilListening(port: port, while: process) {
        self.port = port
        self.process = process
        return
      }
      process.terminate()
      process.waitUntilExit()
    }
    let log = (try? String(contentsOf: directory.appendingPathComponent("log"), encoding: .utf8))
    try? FileManager.default.removeItem(at: directory)
    throw RedisServerFailure(log: log ?? "no log")
  }

  deinit {
    stop()
    try? FileManager.default.removeItem(at: directory)
  }

  /// The server's endpoint, with its password.
  var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port, password: password) }

  /// A URL for the server: `redis://[:PASSWORD@]127.0.0.1:PORT/DB`.
  func url(database: Int = 0) -> String {
    "redis://\(password.map { ":\($0)@" } ?? "")127.0.0.1:\(port)/\(database)"
  }

  /// A store on the server; `prefix` defaults to one of the test's own.
  func store(
    prefix: String = RedisModelStore.defaultPrefix, expiry: Duration? = nil,
    options: RedisConnectionOptions = .init()
  ) throws -> RedisModelStore {
    try RedisModelStore(endpoint: endpoint, prefix: prefix, expiry: expiry, options: options)
  }

  /// A connection to the server, to look at keys directly.
  func connection(database: Int = 0) throws -> RedisConnection {
    var endpoint = endpoint
    endpoint.database = database
    return try RedisConnection(to: endpoint)
  }

  /// Every key in the database, sorted.
  func keys(database: Int = 0) throws -> [String] {
    try connection(database: database).scan(matching: "*")
  }

  /// Kills the server at once (`SIGKILL`, as a crash would).
  func stop() {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  private static func waitUntilListening(port: Int, while process: Process) -> Bool {
    let endpoint = RedisEndpoint(host: "127.0.0.1", port: port)
    for _ in 0..<250 where process.isRunning {
      if (try? TCPSocket.connect(to: endpoint, options: .init())) != nil { return true }
      Thread.sleep(forTimeInterval: 0.02)
    }
    return false
  }
}

/// A server that would not start.
struct RedisServerFailure: Error, CustomStringConvertible {
  let log: String
  var description: String { "redis-server did not start; its log:\n\(log)" }
}

extension Trait where Self == ConditionTrait {
  /// Skips a suite when there is no `redis-server` to start.
  static var needsRedisServer: Self {
    .enabled(if: RedisServer.executable != nil, RedisServer.missing)
  }
}
