import Foundation
import LossKitArchive

/// Saved models in a Redis server, by name: the store behind `--store redis://HOST:PORT[/DB]`.
///
/// ```swift
/// let store = try RedisModelStore(url: "redis://127.0.0.1:6379/0")
/// try store.write(files, named: "skol-bilstm")
/// let same = try store.read(named: "skol-bilstm")
/// ```
///
/// Keys live under ``prefix`` (``RedisKeyLayout`` has the layout): a pointer key per model
/// names its current version, and each version's files are chunked under keys of their own.
/// A save writes the new version's keys, switches the pointer in one `MULTI`/`EXEC` guarded
/// by `WATCH`, then deletes the version it replaced, so a reader gets the old model or the
/// new one, never a mixture; a failed save deletes what it wrote and leaves the old pointer.
/// Data keys not yet (or no longer) named by a pointer always carry an expiry, so a save
/// killed halfway leaves nothing behind for good.
///
/// Each call opens its own connection, so one store can be used from many threads.
/// Connection problems throw ``RedisError``; problems with what is stored throw
/// ``ArchiveError`` (``ArchiveError/notFound(name:store:available:)``,
/// ``ArchiveError/corrupt(path:reason:)`` for a key that is not a LossKit model).
public struct RedisModelStore: ModelStore {
  /// The key prefix unless one is given.
  public static let defaultPrefix = "losskit:model:"
  /// The size of the chunks files are stored in: small enough that no value nears Redis's
  /// 512 MiB limit or holds the server up for long.
  public static let defaultChunkBytes = 16 << 20

  /// The server.
  public let endpoint: RedisEndpoint
  /// The start of every key of this store (`losskit:model:`; `skol:classifier:model:` keeps
  /// the seed's names).
  public let prefix: String
  /// How long saved models live (every key of a model expires together), or `nil` to keep
  /// them until they are replaced or removed.
  public let expiry: Duration?
  /// Timeouts and reply limits of the store's connections.
  public let options: RedisConnectionOptions
  /// The chunk size of new saves (readers take it from each model's pointer).
  package var chunkBytes = RedisModelStore.defaultChunkBytes

  /// A store on `endpoint`.
  ///
  /// - Throws: ``RedisError/invalidExpiry(seconds:)`` for an expiry that is not positive.
  public init(
    endpoint: RedisEndpoint, prefix: String = RedisModelStore.defaultPrefix,
    expiry: Duration? = nil, options: RedisConnectionOptions = .init()
  ) throws {
    if let expiry, expiry <= .zero { throw RedisError.invalidExpiry(seconds: expiry.seconds) }
    self.endpoint = endpoint
    self.prefix = prefix
    self.expiry = expiry
    self.options = options
  }

  /// A store at a `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` URL.
  ///
  /// - Throws: ``RedisError/invalidURL(_:reason:)`` or ``RedisError/invalidExpiry(seconds:)``.
  public init(
    url: String, prefix: String = RedisModelStore.defaultPrefix, expiry: Duration? = nil,
    options: RedisConnectionOptions = .init()
  ) throws {
    try self.init(
      endpoint: try RedisEndpoint(url: url), prefix: prefix, expiry: expiry, options: options)
  }

  /// The server's URL (without the password) and the key prefix, for messages.
  public var location: String { "\(endpoint), key prefix '\(prefix)'" }

  /// The store's key layout.
  var layout: RedisKeyLayout { RedisKeyLayout(prefix: prefix) }

  /// A new connection to the server.
  func connect() throws -> RedisConnection { try RedisConnection(to: endpoint, options: options) }

  /// A key as messages name it: `redis://HOST:PORT/DB key 'losskit:model:NAME'`.
  func describe(_ key: String) -> String { "\(endpoint) key '\(key)'" }

  /// The pointer of a model, or `nil` when its key does not exist; with `watching`, the key
  /// is watched first, in the same round trip, for a transaction that follows.
  ///
  /// - Throws: ``ArchiveError/corrupt(path:reason:)`` for a key that is not a LossKit model,
  ///   or ``RedisError``.
  func readPointer(
    _ key: String, on connection: RedisConnection, watching: Bool = false
  ) throws -> ModelPointer? {
    let watch = RedisCommand("WATCH", key)
    let type = RedisCommand("TYPE", key)
    let range = RedisCommand("GETRANGE", key, 0, ModelPointer.maxBytes - 1)
    var replies = try connection.pipeline((watching ? [watch] : []) + [type, range])[...]
    if watching { _ = try connection.checked(replies.removeFirst(), for: watch) }
    guard case .simple(let kind) = try connection.checked(replies[replies.startIndex], for: type)
    else { throw connection.unexpected(replies[replies.startIndex], for: type) }
    if kind == "none" { return nil }
    guard kind == "string" else {
      throw ArchiveError.corrupt(
        path: describe(key),
        reason: "it is not a LossKit model (it holds a \(kind))" + ModelPointer.advice)
    }
    guard
      case .bulk(let data?) = try connection.checked(replies[replies.startIndex + 1], for: range)
    else { throw connection.unexpected(replies[replies.startIndex + 1], for: range) }
    return try ModelPointer(parsing: data, path: describe(key))
  }

  /// Deletes keys, on `connection` or, when that is broken, on a new one; a failure is
  /// ignored, since the keys expire anyway (staged and replaced keys always have an expiry).
  func discard(_ keys: [String], on connection: RedisConnection) {
    if (try? connection.delete(keys)) != nil { return }
    _ = try? connect().delete(keys)
  }
}
