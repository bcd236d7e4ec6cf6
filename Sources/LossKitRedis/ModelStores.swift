import Foundation
import LossKitArchive

/// The store a user names: a directory, or a Redis server by `redis://` URL. This is how the
/// command line's `--store` and `LOSSKIT_MODELS`, the C API and the Python package choose one.
///
/// ```swift
/// let seed = try ModelStores.store(
///   at: "redis://127.0.0.1:6379/0", redisPrefix: "skol:classifier:model:")
/// let local = try ModelStores.store(at: nil)   // $LOSSKIT_MODELS, else ~/.losskit/models
/// ```
public enum ModelStores {
  /// The environment variable that names the default store: a directory or a `redis://` URL.
  public static let environmentVariable = "LOSSKIT_MODELS"

  /// Whether `text` is meant as a Redis URL (`redis://` or `rediss://`, in any case).
  public static func isRedisURL(_ text: String) -> Bool {
    let lowercased = text.lowercased()
    return lowercased.hasPrefix("redis://") || lowercased.hasPrefix("rediss://")
  }

  /// The store at `location`: a ``RedisModelStore`` for
  /// `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`, a ``DirectoryStore`` for anything else;
  /// `nil` means `$LOSSKIT_MODELS`, else `~/.losskit/models`.
  ///
  /// - Parameters:
  ///   - redisPrefix: The key prefix of a Redis store (`skol:classifier:model:` keeps the
  ///     seed's keys).
  ///   - expiry: How long models saved in a Redis store live (`nil`: until replaced).
  /// - Throws: ``RedisError/invalidURL(_:reason:)`` or ``RedisError/invalidExpiry(seconds:)``;
  ///   ``ArchiveError/writeFailed(path:reason:)`` for an expiry given with a directory store,
  ///   which cannot expire models.
  public static func store(
    at location: String?, redisPrefix: String = RedisModelStore.defaultPrefix,
    expiry: Duration? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> any ModelStore {
    let given = location ?? environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
    if let given, isRedisURL(given) {
      return try RedisModelStore(url: given, prefix: redisPrefix, expiry: expiry)
    }
    let store = DirectoryStore(
      directory: given.map { URL(fileURLWithPath: $0) }, environment: environment)
    if expiry != nil {
      throw ArchiveError.writeFailed(
        path: store.directory.path,
        reason: "a directory store keeps models until they are replaced or removed; an expiry "
          + "needs a Redis store (--store redis://HOST:PORT)")
    }
    return store
  }

  /// A Redis store and model name from `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]/NAME`: the
  /// last path segment is always the name.
  ///
  /// - Throws: ``RedisError/invalidURL(_:reason:)`` for a URL without a name or with more
  ///   segments, ``ArchiveError/invalidName(_:)`` for an unusable name.
  public static func redisModel(
    at url: String, prefix: String = RedisModelStore.defaultPrefix, expiry: Duration? = nil,
    options: RedisConnectionOptions = .init()
  ) throws -> (store: RedisModelStore, name: String) {
    let shown = RedisEndpoint.redacted(url)
    guard let scheme = url.range(of: "://") else {
      throw RedisError.invalidURL(shown, reason: "it does not start with redis://")
    }
    let afterCredentials = url.lastIndex(of: "@").map { url.index(after: $0) } ?? scheme.upperBound
    guard afterCredentials >= scheme.upperBound,
      let slash = url[afterCredentials...].firstIndex(of: "/")
    else {
      throw RedisError.invalidURL(
        shown,
        reason: "it names no model; a model is redis://HOST:PORT[/DB]/NAME (the store alone "
          + "is redis://HOST:PORT[/DB])")
    }
    let segments = url[url.index(after: slash)...].split(
      separator: "/", omittingEmptySubsequences: false)
    guard segments.count <= 2, let name = segments.last, !name.isEmpty else {
      throw RedisError.invalidURL(
        shown, reason: "a model is redis://HOST:PORT[/DB]/NAME, with one name after the database")
    }
    let storeURL = String(url[..<slash]) + (segments.count == 2 ? "/" + segments[0] : "")
    guard ModelName.isValid(String(name)) else { throw ArchiveError.invalidName(String(name)) }
    let store = try RedisModelStore(url: storeURL, prefix: prefix, expiry: expiry, options: options)
    return (store, String(name))
  }
}
