import Foundation

/// A table from name to the type that rebuilds it, for one kind of thing: losses, model
/// kinds or optimizers (``LossRegistry``, ``ModelRegistry``, ``OptimizerRegistry``).
///
/// A name that is already taken is an error, never a silent replacement; an unknown name
/// is an error that lists the registered ones and says how to register. ``Registry`` holds
/// one table of each kind.
public struct KindRegistry<Product>: Sendable {
  /// What the registry knows about one registered type.
  public struct Entry: Sendable {
    /// The registry name.
    public let name: String
    /// The current parameter version.
    public let version: Int
    /// The oldest parameter version still read.
    public let minimumVersion: Int
    /// The one-line description.
    public let summary: String
    /// The parameters (or configuration) of the default value.
    public let defaults: JSONValue
    fileprivate let make:
      @Sendable (_ parameters: JSONValue, _ version: Int, _ registry: KindRegistry) throws
        -> Product

    /// Creates an entry from a function that builds the product from parameters of a given
    /// saved version (already checked to be in `minimumVersion…version`).
    public init(
      name: String, version: Int, minimumVersion: Int, summary: String, defaults: JSONValue,
      make: @escaping @Sendable (_ parameters: JSONValue, _ version: Int) throws -> Product
    ) {
      self.init(
        name: name, version: version, minimumVersion: minimumVersion, summary: summary,
        defaults: defaults, make: { parameters, version, _ in try make(parameters, version) })
    }

    fileprivate init(
      name: String, version: Int, minimumVersion: Int, summary: String, defaults: JSONValue,
      make: @escaping @Sendable (JSONValue, Int, KindRegistry) throws -> Product
    ) {
      self.name = name
      self.version = version
      self.minimumVersion = minimumVersion
      self.summary = summary
      self.defaults = defaults
      self.make = make
    }
  }

  /// What this registry holds.
  public let kind: RegistryKind
  private var entries: [String: Entry] = [:]

  /// An empty registry of one kind.
  public init(kind: RegistryKind) { self.kind = kind }

  /// Adds an entry.
  ///
  /// - Throws: ``LossKitError/duplicateName(_:_:)`` when the name is taken, or
  ///   ``LossKitError/invalidSpec(_:)`` for a name a loss expression or a command line could
  ///   not spell, or a minimum version above the version.
  public mutating func add(_ entry: Entry) throws {
    let name = entry.name
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
    else {
      throw LossKitError.invalidSpec(
        "\(kind.noun) name '\(name)' must be non-empty letters, digits, '-', '_' or '.'")
    }
    guard entry.minimumVersion <= entry.version, entry.minimumVersion >= 0 else {
      throw LossKitError.invalidSpec(
        "\(name): minimumVersion \(entry.minimumVersion) is not in 0…\(entry.version)")
    }
    guard entries[name] == nil else { throw LossKitError.duplicateName(kind, name) }
    entries[name] = entry
  }

  /// Adds an entry for a ``Registrable`` type, built by decoding its parameters (upgraded
  /// from the saved version by ``Registrable/upgrade(_:from:)``) as `Stored` and converting
  /// the result.
  mutating func add<T: Registrable, Stored: Decodable & Sendable>(
    _ type: T.Type, defaults: JSONValue, decoding stored: Stored.Type,
    userInfo: @escaping @Sendable (KindRegistry) -> [CodingUserInfoKey: any Sendable] = { _ in
      [:]
    },
    build: @escaping @Sendable (Stored) throws -> Product
  ) throws {
    try add(
      Entry(
        name: T.name, version: T.version, minimumVersion: T.minimumVersion, summary: T.summary,
        defaults: defaults,
        make: { parameters, version, registry in
          let current = try T.upgrade(parameters, from: version)
          return try build(try current.decode(Stored.self, userInfo: userInfo(registry)))
        }))
  }

  /// Every registered name, sorted.
  public var names: [String] { entries.keys.sorted() }

  /// Every registered entry, sorted by name.
  public var registeredEntries: [Entry] { names.compactMap { entries[$0] } }

  /// The entry for a name, or `nil`.
  public func entry(named name: String) -> Entry? { entries[name] }

  /// The entry for a name.
  ///
  /// - Throws: ``LossKitError/unknownName(_:_:registered:)`` listing the registered names.
  public func requireEntry(named name: String) throws -> Entry {
    guard let entry = entries[name] else {
      throw LossKitError.unknownName(kind, name, registered: names)
    }
    return entry
  }

  /// Rebuilds a product from its saved name, version and parameters.
  ///
  /// - Throws: ``LossKitError/unknownName(_:_:registered:)``,
  ///   ``LossKitError/unsupportedVersion(_:_:found:supported:)``, or
  ///   ``LossKitError/invalidSpec(_:)`` when the parameters do not decode; errors from the
  ///   type's own validation pass through.
  public func make(named name: String, version: Int, parameters: JSONValue) throws -> Product {
    let entry = try requireEntry(named: name)
    let supported = entry.minimumVersion...entry.version
    guard supported.contains(version) else {
      throw LossKitError.unsupportedVersion(kind, name, found: version, supported: supported)
    }
    do {
      return try entry.make(parameters, version, self)
    } catch let error as LossKitError {
      throw error
    } catch let error as DecodingError {
      throw LossKitError.invalidSpec(
        "the parameters of \(kind.noun) '\(name)' do not decode (\(error.oneLine)); "
          + "saved: \(parameters.compactText)")
    } catch {
      throw error
    }
  }

  /// Builds a product by name from its defaults, overridden by `parameters`.
  ///
  /// Keys the type does not have are an error, so a typo never goes unnoticed. A type without
  /// defaults (a model kind whose sizes all come from the data) takes `parameters` as its
  /// whole configuration.
  ///
  /// - Throws: ``LossKitError/unknownName(_:_:registered:)``, or
  ///   ``LossKitError/unknownParameter(_:_:parameter:known:)`` for a key the type lacks.
  public func make(named name: String, parameters: [String: JSONValue]) throws -> Product {
    let entry = try requireEntry(named: name)
    guard var merged = entry.defaults.objectValue else {
      return try make(named: name, version: entry.version, parameters: .object(parameters))
    }
    for (key, value) in parameters {
      guard merged.keys.contains(key) else {
        throw LossKitError.unknownParameter(
          kind, name, parameter: key, known: merged.keys.sorted())
      }
      merged[key] = value
    }
    return try make(named: name, version: entry.version, parameters: .object(merged))
  }
}

extension DecodingError {
  /// The error in one line: what was wrong and where (`missing 'kind' at 'model'`).
  package var oneLine: String {
    func path(_ context: DecodingError.Context) -> String {
      let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
      return keys.isEmpty ? "" : " at '\(keys.joined(separator: "."))'"
    }
    switch self {
    case .typeMismatch(_, let context), .valueNotFound(_, let context),
      .dataCorrupted(let context):
      return context.debugDescription + path(context)
    case .keyNotFound(let key, let context):
      return "missing '\(key.stringValue)'" + path(context)
    @unknown default:
      return "\(self)"
    }
  }
}
