/// A training loss: a value type with a registry name, a version and `Codable` parameters.
///
/// Given the model's named outputs (`logits`, `embeddings`, …) and named targets, a loss
/// returns its reduced value and adds its gradient for every output it reads into a
/// ``GradientBuffers``. Losses hold no closures, so a saved model can always rebuild its loss
/// from a ``LossSpec`` through a ``LossRegistry``.
///
/// Conform your own type and register it in one line:
///
/// ```swift
/// struct HingeLoss: Loss {
///   static let name = "hinge"
///   static let version = 1
///   static let summary = "multi-class hinge loss"
///   var margin = 1.0
///   var outputNames: Set<String> { ["logits"] }
///   var targetNames: Set<String> { ["labels"] }
///   func evaluate(_ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
///                 gradients: inout GradientBuffers) throws -> LossValue { … }
/// }
/// try registry.register(HingeLoss.self)
/// ```
public protocol Loss: Sendable, Codable, Registrable {
  /// The loss with its default parameters.
  init()

  /// The name this value is saved under (defaults to ``name``; losses defined at run time,
  /// such as native plugins, answer per value).
  var registryName: String { get }
  /// The version this value is saved with (defaults to ``version``).
  var registryVersion: Int { get }

  /// The model outputs the loss reads, such as `["logits"]`.
  var outputNames: Set<String> { get }
  /// The target sets the loss reads, such as `["labels"]`.
  var targetNames: Set<String> { get }

  /// The loss with label names and data-dependent settings resolved for a data set.
  ///
  /// Losses configured by label name (focal labels, class weights by name) or by a weight
  /// strategy computed from class frequencies resolve them here. The default returns `self`.
  ///
  /// - Throws: ``LossKitError/unknownLabel(_:known:context:)`` for a name not in the data.
  func prepared(for context: LossContext) throws -> Self

  /// The loss resolved for a data set with several named target sets: each leaf resolves
  /// against the context of the target set it reads.
  ///
  /// The default prepares a loss that reads one target set with that set's context (or
  /// returns `self` for a loss that reads none); composites prepare each term.
  ///
  /// - Throws: ``LossKitError/missingTargets(loss:name:available:)`` when the data has no
  ///   target set of the name the loss reads, and the errors of ``prepared(for:)``.
  func prepared(forTargets contexts: [String: LossContext]) throws -> Self

  /// Computes the reduced loss and adds `scale` times its gradient into `gradients`.
  ///
  /// - Parameters:
  ///   - outputs: The model's outputs by name.
  ///   - targets: The targets by name.
  ///   - scale: The factor applied to the gradient (a composite passes its term weight).
  ///   - gradients: Where the gradient for each output read is written or accumulated.
  /// - Returns: The reduced value (unscaled) and, for composites, each part's value.
  /// - Throws: ``LossKitError`` for shape mismatches, out-of-range labels, non-finite input or
  ///   missing outputs; nothing is half-applied to a value the caller keeps.
  func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue
}

extension Loss {
  /// The type's ``Loss/name``.
  public var registryName: String { Self.name }
  /// The type's ``Loss/version``.
  public var registryVersion: Int { Self.version }

  /// Returns `self`: most losses need nothing from the data set.
  public func prepared(for context: LossContext) throws -> Self { self }

  /// Prepares the loss with the context of each target set it reads.
  public func prepared(forTargets contexts: [String: LossContext]) throws -> Self {
    var resolved = self
    for target in targetNames.sorted() {
      guard let context = contexts[target] else {
        throw LossKitError.missingTargets(
          loss: label, name: target, available: contexts.keys.sorted())
      }
      resolved = try resolved.prepared(for: context)
    }
    return resolved
  }

  /// The name used for this loss in logs and part lists: the registry name, followed by the
  /// outputs it reads that are not its type's defaults.
  public var label: String {
    let nonDefault = outputNames.subtracting(Self().outputNames).sorted()
    return nonDefault.isEmpty ? registryName : "\(registryName)(\(nonDefault.joined(separator: ",")))"
  }

  /// Evaluates the loss and returns its value, its gradients and, for composites, each
  /// part's value.
  ///
  /// ```swift
  /// let result = try loss(["logits": logits, "embeddings": embeddings], ["labels": targets])
  /// ```
  public func callAsFunction(
    _ outputs: [String: Tensor], _ targets: [String: Targets]
  ) throws -> LossResult {
    var gradients = GradientBuffers()
    let value = try evaluate(outputs, targets, scale: 1, gradients: &gradients)
    return LossResult(value: value.value, gradients: gradients.written, parts: value.parts)
  }

  /// Evaluates a loss that reads one output and one target set.
  ///
  /// ```swift
  /// let result = try FocalLoss(gamma: 2)(logits, Targets(classIndices: labels))
  /// result.value; result.gradients["logits"]
  /// ```
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` when the loss reads several outputs; use
  ///   ``callAsFunction(_:_:)-(_,[String:Targets])`` with named outputs instead.
  public func callAsFunction(_ prediction: Tensor, _ targets: Targets) throws -> LossResult {
    guard outputNames.count == 1, let output = outputNames.first, targetNames.count == 1,
      let target = targetNames.first
    else {
      throw LossKitError.invalidSpec(
        "\(label) reads outputs \(outputNames.sorted()) and targets \(targetNames.sorted()); "
          + "call it with named dictionaries: loss([\"logits\": …, \"embeddings\": …], "
          + "[\"labels\": …])")
    }
    return try self([output: prediction], [target: targets])
  }

  /// The named output, or an error listing what the model produced.
  public func output(_ name: String, in outputs: [String: Tensor]) throws -> Tensor {
    guard let tensor = outputs[name] else {
      throw LossKitError.missingOutput(loss: label, name: name, available: outputs.keys.sorted())
    }
    return tensor
  }

  /// The named targets, or an error listing what the batch holds.
  public func targets(_ name: String, in targets: [String: Targets]) throws -> Targets {
    guard let found = targets[name] else {
      throw LossKitError.missingTargets(loss: label, name: name, available: targets.keys.sorted())
    }
    return found
  }
}

/// How a loss reduces per-sample values to one number.
public enum Reduction: String, Sendable, Codable, CaseIterable {
  /// The average over counted samples (or over the sum of weights where weights apply; each
  /// loss documents which).
  case mean
  /// The plain sum.
  case sum
}

/// The value a loss returns from ``Loss/evaluate(_:_:scale:gradients:)``.
public struct LossValue: Sendable, Equatable {
  /// The reduced loss value.
  public var value: Double
  /// For composites, each leaf's unweighted value, in order; empty for a single loss.
  public var parts: [LossPart]

  /// Creates a value with optional parts.
  public init(_ value: Double, parts: [LossPart] = []) {
    self.value = value
    self.parts = parts
  }
}

/// One named component of a composite loss's value, as training logs show it
/// (`focal=0.31 supcon=0.45`).
public struct LossPart: Sendable, Equatable, Codable {
  /// The part's label, such as `focal`.
  public var name: String
  /// The part's unweighted value.
  public var value: Double

  /// Creates a part.
  public init(name: String, value: Double) {
    self.name = name
    self.value = value
  }
}

/// The value and gradients of one evaluation, from ``Loss/callAsFunction(_:_:)-(_,[String:Targets])``.
public struct LossResult: Sendable {
  /// The reduced loss value.
  public var value: Double
  /// The gradient of ``value`` for each output the loss read.
  public var gradients: [String: Tensor]
  /// For composites, each leaf's unweighted value.
  public var parts: [LossPart]
}

/// What a loss may need to know about the data set to resolve its configuration.
public struct LossContext: Sendable, Equatable {
  /// The class names, in class-index order.
  public var labelNames: [String]
  /// How many training samples each class has, in class-index order, when known.
  public var classCounts: [Int]?

  /// Creates a context.
  public init(labelNames: [String], classCounts: [Int]? = nil) {
    self.labelNames = labelNames
    self.classCounts = classCounts
  }

  /// The index of a label name.
  ///
  /// - Throws: ``LossKitError/unknownLabel(_:known:context:)`` listing the known labels.
  public func index(of label: String, for context: String) throws -> Int {
    guard let index = labelNames.firstIndex(of: label) else {
      throw LossKitError.unknownLabel(label, known: labelNames, context: context)
    }
    return index
  }
}
