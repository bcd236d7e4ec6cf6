import LossKitCore

/// An element-wise loss whose value and derivative are C functions from any shared library,
/// called through libffi: a loss in someone's C, Rust or Fortran library, used without
/// writing a shim against LossKit's plugin header.
///
/// Register one in one line from its declaration (syntax: ``ForeignDeclaration``):
///
/// ```swift
/// try ForeignLoss.register(
///   "./libhinge.so:double smooth_hinge(double prediction, double target, double margin=1)",
///   into: &registry)
/// let loss = try registry.makeLoss(named: "smooth_hinge", parameters: ["margin": .number(0.5)])
/// ```
///
/// The value is the weighted mean of the function over the output's elements, as for every
/// element-wise loss (``ElementwiseEvaluation``); class indices on a `C`-class output are
/// one-vs-rest targets (``LossKitCore/Targets/elementwiseTargets(like:loss:)``). Parameters
/// save as JSON like any loss's (`{"margin": 1, "output": "logits", "target": "labels"}`),
/// and ``provenance`` records the library's file name, SHA-256 and the declaration so a
/// reload finds the same function (``LossLibraries/resolve(_:searching:into:)``).
public struct ForeignLoss: LibraryLoss, Equatable {
  /// Never registered itself: values report the function's name.
  public static let name = "foreign"
  /// The parameter version.
  public static let version = 1
  /// One line for documentation.
  public static let summary = "an element-wise loss from a C function called through libffi"
  /// Keys that select the output and target set, so no C parameter may take them.
  static let reservedKeys: Set<String> = ["output", "target"]

  /// The loss parameters' values by name (the declaration's parameters after prediction and
  /// target).
  public var parameters: [String: Double]
  /// The model output read (default `logits`).
  public var output = "logits"
  /// The target set read (default `labels`).
  public var target = "labels"
  let function: ForeignFunction?

  /// An unbound value (evaluating it throws).
  public init() {
    parameters = [:]
    function = nil
  }

  /// A loss of `function` with parameters decoded from a saved or given JSON object;
  /// missing keys take the declared defaults.
  ///
  /// - Throws: ``LossKitCore/LossKitError/invalidSpec(_:)`` for an unknown key, or
  ///   ``LossKitCore/LossKitError/invalidParameter(loss:name:reason:)`` for a value its C type
  ///   cannot hold.
  init(function: ForeignFunction, parameters json: JSONValue) throws {
    let declaration = function.declaration
    let name = declaration.symbol
    guard let given = json.objectValue else {
      throw LossKitError.invalidSpec(
        "the parameters of '\(name)' must be a JSON object, got \(json.compactText)")
    }
    var values: [String: Double] = [:]
    for parameter in declaration.lossParameters { values[parameter.name] = parameter.defaultValue }
    self.function = function
    for (key, value) in given {
      if Self.reservedKeys.contains(key) {
        guard let text = value.stringValue, !text.isEmpty else {
          throw LossKitError.invalidParameter(
            loss: name, name: key, reason: "\(value.compactText) is not a non-empty name")
        }
        if key == "output" { output = text } else { target = text }
        continue
      }
      guard let parameter = declaration.lossParameters.first(where: { $0.name == key }) else {
        throw LossKitError.invalidSpec(
          "loss '\(name)' has no parameter '\(key)'; its parameters: "
            + (declaration.lossParameters.map(\.name) + Self.reservedKeys.sorted())
            .joined(separator: ", "))
      }
      guard let number = value.numberValue, Self.representable(number, as: parameter.type) else {
        throw LossKitError.invalidParameter(
          loss: name, name: key,
          reason: "\(value.compactText) is not a finite \(parameter.type.rawValue)")
      }
      values[key] = number
    }
    parameters = values
  }

  /// The function's name.
  public var registryName: String { function?.declaration.symbol ?? Self.name }
  /// Reads ``output``.
  public var outputNames: Set<String> { [output] }
  /// Reads ``target``.
  public var targetNames: Set<String> { [target] }
  /// The library's file name and SHA-256, and the declaration.
  public var provenance: LossProvenance? { function?.provenance }
  /// The absolute path the library was opened from.
  public var libraryPath: String? { function?.libraryPath }

  /// Same function, parameters, output and target.
  public static func == (a: ForeignLoss, b: ForeignLoss) -> Bool {
    a.registryName == b.registryName && a.parameters == b.parameters && a.output == b.output
      && a.target == b.target
  }

  /// Whether `value` fits the C type (finite; integral and in range for integers).
  static func representable(_ value: Double, as type: ForeignDeclaration.ScalarType) -> Bool {
    guard value.isFinite else { return false }
    switch type {
    case .float: return abs(value) <= Double(Float.greatestFiniteMagnitude)
    case .double: return true
    case .int32: return value.rounded() == value && abs(value) <= Double(Int32.max)
    case .int64: return value.rounded() == value && abs(value) < 9.007_199_254_740_992e15
    }
  }
}
