import Foundation

/// A table from loss name to the type that decodes it: how a saved model finds its loss.
///
/// Built-in losses register from their plugin modules (the `LossKit` module's
/// `LossRegistry.standard` holds all of them); register your own type in one line. A name
/// that is already taken is an error, never a silent replacement.
///
/// ```swift
/// var registry = LossRegistry.standard
/// try registry.register(HingeLoss.self)
/// let loss = try registry.makeLoss(from: savedSpec)
/// ```
public struct LossRegistry: Sendable {
  /// What the registry knows about one loss type.
  public struct Entry: Sendable {
    /// The registry name.
    public let name: String
    /// The current parameter version.
    public let version: Int
    /// The oldest parameter version still read.
    public let minimumVersion: Int
    /// The one-line description.
    public let summary: String
    /// The parameters of the loss built with `init()`.
    public let defaults: JSONValue
    fileprivate let decode: @Sendable (JSONValue, LossRegistry) throws -> any Loss
  }

  private var entries: [String: Entry] = [:]

  /// A registry holding only ``CompositeLoss``, which the core itself provides.
  public init() {
    do {
      try register(CompositeLoss.self)
    } catch {
      preconditionFailure("registering the composite loss failed: \(error)")
    }
  }

  /// Registers a loss type under its ``Loss/name``.
  ///
  /// - Throws: ``LossKitError/duplicateLossName(_:)`` when the name is taken, or
  ///   ``LossKitError/invalidSpec(_:)`` for a name a loss expression could not spell.
  public mutating func register<L: Loss>(_ type: L.Type) throws {
    let name = L.name
    try checkName(name)
    guard L.minimumVersion <= L.version else {
      throw LossKitError.invalidSpec(
        "\(name): minimumVersion \(L.minimumVersion) is above version \(L.version)")
    }
    entries[name] = Entry(
      name: name, version: L.version, minimumVersion: L.minimumVersion, summary: L.summary,
      defaults: try JSONValue(encoding: L()),
      decode: { parameters, registry in
        try parameters.decode(L.self, userInfo: [.lossRegistry: registry])
      })
  }

  /// Registers a loss defined at run time (a native plugin's) by name, with a function that
  /// builds it from saved parameters.
  ///
  /// - Throws: ``LossKitError/duplicateLossName(_:)`` or ``LossKitError/invalidSpec(_:)`` for a
  ///   name a loss expression could not spell.
  public mutating func register(
    name: String, version: Int, summary: String, defaults: JSONValue,
    decode: @escaping @Sendable (JSONValue) throws -> any Loss
  ) throws {
    try checkName(name)
    entries[name] = Entry(
      name: name, version: version, minimumVersion: version, summary: summary,
      defaults: defaults, decode: { parameters, _ in try decode(parameters) })
  }

  private func checkName(_ name: String) throws {
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
    else {
      throw LossKitError.invalidSpec(
        "loss name '\(name)' must be non-empty letters, digits, '-', '_' or '.'")
    }
    guard entries[name] == nil else { throw LossKitError.duplicateLossName(name) }
  }

  /// Every registered name, sorted.
  public var names: [String] { entries.keys.sorted() }

  /// Every registered entry, sorted by name.
  public var registeredEntries: [Entry] { names.compactMap { entries[$0] } }

  /// The entry for a name, or `nil`.
  public func entry(named name: String) -> Entry? { entries[name] }

  /// Rebuilds a loss from its spec.
  ///
  /// - Throws: ``LossKitError/unknownLoss(_:registered:)`` listing the registered names,
  ///   ``LossKitError/unsupportedLossVersion(_:found:supported:)``, or
  ///   ``LossKitError/invalidSpec(_:)`` when the parameters do not decode.
  public func makeLoss(from spec: LossSpec) throws -> any Loss {
    guard let entry = entries[spec.name] else {
      throw LossKitError.unknownLoss(spec.name, registered: names)
    }
    let supported = entry.minimumVersion...entry.version
    guard supported.contains(spec.version) else {
      throw LossKitError.unsupportedLossVersion(spec.name, found: spec.version, supported: supported)
    }
    do {
      return try entry.decode(spec.parameters, self)
    } catch let error as LossKitError {
      throw error
    } catch {
      throw LossKitError.invalidSpec(
        "the parameters of '\(spec.name)' do not decode (\(error)); saved: "
          + spec.parameters.compactText)
    }
  }

  /// Builds a loss by name with its default parameters, overridden by `parameters`.
  ///
  /// Keys the loss does not have are an error, so a typo never goes unnoticed.
  ///
  /// - Throws: ``LossKitError/unknownLoss(_:registered:)`` or
  ///   ``LossKitError/invalidSpec(_:)``.
  public func makeLoss(named name: String, parameters: [String: JSONValue] = [:]) throws
    -> any Loss
  {
    guard let entry = entries[name] else {
      throw LossKitError.unknownLoss(name, registered: names)
    }
    var merged = entry.defaults.objectValue ?? [:]
    for (key, value) in parameters {
      guard merged.keys.contains(key) else {
        throw LossKitError.invalidSpec(
          "loss '\(name)' has no parameter '\(key)'; its parameters: "
            + merged.keys.sorted().joined(separator: ", "))
      }
      merged[key] = value
    }
    return try makeLoss(
      from: LossSpec(name: name, version: entry.version, parameters: .object(merged)))
  }
}

extension CodingUserInfoKey {
  /// The key under which a decoder finds the ``LossRegistry`` that resolves nested losses.
  public static let lossRegistry = CodingUserInfoKey(rawValue: "losskit.lossRegistry")!
}
