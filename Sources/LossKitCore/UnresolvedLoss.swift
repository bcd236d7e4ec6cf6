/// A saved loss whose name is not registered here: it keeps the spec (so the model can be
/// inspected and saved again unchanged) and throws the registry's error when evaluated.
///
/// Loading a model for inference gives this loss when the saved one is unknown; register the
/// loss type and load again to train further.
public struct UnresolvedLoss: Loss, Equatable {
  /// The registry name, `unresolved` (never registered; values report the saved name).
  public static let name = "unresolved"
  /// The parameter version.
  public static let version = 1
  /// One line for `losskit losses`.
  public static let summary = "a saved loss whose type is not registered"

  /// The saved spec.
  public var spec: LossSpec
  /// The names registered when loading, for the error message.
  public var registered: [String]

  /// A placeholder with an empty spec.
  public init() {
    spec = LossSpec(name: Self.name, version: 1, parameters: .object([:]))
    registered = []
  }

  /// A placeholder for `spec`.
  public init(spec: LossSpec, registered: [String]) {
    self.spec = spec
    self.registered = registered
  }

  /// The saved name.
  public var registryName: String { spec.name }
  /// The saved version.
  public var registryVersion: Int { spec.version }
  /// Unknown: the loss could read anything.
  public var outputNames: Set<String> { [] }
  /// Unknown.
  public var targetNames: Set<String> { [] }

  /// Always throws ``LossKitError/unknownName(_:_:registered:)``.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    throw LossKitError.unknownName(.loss, spec.name, registered: registered)
  }

  /// Encodes the saved parameters unchanged.
  public func encode(to encoder: any Encoder) throws {
    try spec.parameters.encode(to: encoder)
  }

  /// Decodes parameters as a spec named `unresolved`.
  public init(from decoder: any Decoder) throws {
    self.init(
      spec: LossSpec(name: Self.name, version: 1, parameters: try JSONValue(from: decoder)),
      registered: [])
  }
}
