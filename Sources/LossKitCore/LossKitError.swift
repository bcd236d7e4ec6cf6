import Foundation

/// Errors thrown by LossKit's core and loss plugins.
///
/// Every case carries what a user needs to fix the problem, and ``description`` reads as
/// advice: what is wrong and what to do instead.
public enum LossKitError: Error, Sendable, Equatable {
  /// An array or tensor does not have the shape the operation needs.
  case shapeMismatch(_ what: String, expected: [Int], actual: [Int])
  /// A class index is neither a valid class nor the ignore index.
  case labelOutOfRange(loss: String, label: Int, sample: Int, classCount: Int, ignoreIndex: Int)
  /// A model output or target holds NaN or ±infinity.
  case nonFiniteInput(loss: String, input: String, index: Int)
  /// A loss or strategy parameter is outside its valid range.
  case invalidParameter(loss: String, name: String, reason: String)
  /// A label name is not one of the data set's labels.
  case unknownLabel(_ name: String, known: [String], context: String)
  /// Two options were given that cannot be used together.
  case conflictingOptions(_ problem: String, fix: String)
  /// A name is already registered for a loss, model kind or optimizer.
  case duplicateName(_ kind: RegistryKind, _ name: String)
  /// A loss, model kind or optimizer name is not registered.
  case unknownName(_ kind: RegistryKind, _ name: String, registered: [String])
  /// A saved loss, model or optimizer has a version this build cannot read.
  case unsupportedVersion(
    _ kind: RegistryKind, _ name: String, found: Int, supported: ClosedRange<Int>)
  /// A parameter given by name is not one the loss, model kind or optimizer has.
  case unknownParameter(_ kind: RegistryKind, _ name: String, parameter: String, known: [String])
  /// The model did not produce an output a loss reads.
  case missingOutput(loss: String, name: String, available: [String])
  /// No targets were given under the name a loss reads.
  case missingTargets(loss: String, name: String, available: [String])
  /// A loss configured by label names was evaluated before the names were resolved.
  case unresolvedLabels(loss: String, detail: String)
  /// A loss specification cannot be turned into a loss.
  case invalidSpec(_ detail: String)
}

extension LossKitError: CustomStringConvertible {
  /// The problem and its fix, in one or two sentences.
  public var description: String {
    switch self {
    case .shapeMismatch(let what, let expected, let actual):
      return "shape mismatch in \(what): expected \(expected), got \(actual); "
        + "reshape the input or pass matching targets"
    case .labelOutOfRange(let loss, let label, let sample, let classCount, let ignore):
      return "\(loss): label \(label) at sample \(sample) is out of range for \(classCount) "
        + "classes; labels must be in 0..<\(classCount), or \(ignore) to ignore a sample"
    case .nonFiniteInput(let loss, let input, let index):
      return "\(loss): \(input) holds a non-finite value (NaN or ±inf) at flat index \(index); "
        + "check the model for overflow (lower the learning rate, clip gradients) or the data"
    case .invalidParameter(let loss, let name, let reason):
      return "\(loss): invalid \(name): \(reason)"
    case .unknownLabel(let name, let known, let context):
      return "unknown label '\(name)' in \(context); known labels: "
        + known.joined(separator: ", ")
    case .conflictingOptions(let problem, let fix):
      return "\(problem); \(fix)"
    case .duplicateName(let kind, let name):
      return "a \(kind.noun) named '\(name)' is already registered; give your type a "
        + "different `static let name`, or register into a fresh `Registry()`"
    case .unknownName(let kind, let name, let registered):
      return "unknown \(kind.noun) '\(name)'; registered: "
        + "\(registered.isEmpty ? "none" : registered.joined(separator: ", ")); "
        + kind.howToRegister
    case .unsupportedVersion(let kind, let name, let found, let supported):
      let range =
        supported.count == 1
        ? "\(supported.lowerBound)" : "\(supported.lowerBound)…\(supported.upperBound)"
      let fix =
        kind == .loss
        ? "update the loss type (raise `version`/`minimumVersion`) or load the model for "
          + "inference only, which needs no loss"
        : "use the LossKit version (or the \(kind.noun) type) that saved it, or teach the type "
          + "to read version \(found) (`minimumVersion` and `upgrade(_:from:)`)"
      return "\(kind.noun) '\(name)' was saved as version \(found), but this build reads "
        + "version \(range); \(fix)"
    case .unknownParameter(let kind, let name, let parameter, let known):
      return "\(kind.noun) '\(name)' has no parameter '\(parameter)'; its parameters: "
        + (known.isEmpty ? "none" : known.joined(separator: ", "))
    case .missingOutput(let loss, let name, let available):
      return "\(loss) reads the model output '\(name)', but the model produced "
        + "[\(available.joined(separator: ", "))]; set the loss's `output` to one of them"
    case .missingTargets(let loss, let name, let available):
      return "\(loss) reads targets named '\(name)', but the batch has "
        + "[\(available.joined(separator: ", "))]; pass targets under that name or set the "
        + "loss's `target`"
    case .unresolvedLabels(let loss, let detail):
      return "\(loss): \(detail); call `loss.prepared(for: LossContext(labelNames:…))` "
        + "(the Trainer does this) before evaluating"
    case .invalidSpec(let detail):
      return "invalid loss specification: \(detail)"
    }
  }
}

extension LossKitError: LocalizedError {
  /// The same text as ``description``, for `localizedDescription`.
  public var errorDescription: String? { description }
}
