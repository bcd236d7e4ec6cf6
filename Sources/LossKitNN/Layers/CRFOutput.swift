import LossKitCore

/// The names of a head's CRF outputs, derived from the name of its logits (its emission
/// scores): `logits` → `transitions`, `start_transitions`, `end_transitions` (the `crf` loss's
/// defaults, pytorch-crf's parameter names); `logits_kind` → `transitions_kind`, … .
public struct CRFOutputNames: Sendable, Equatable, Hashable {
  /// The emissions `[N, T, C]`.
  public var emissions: String
  /// The transition scores `[C, C]`.
  public var transitions: String
  /// The start scores `[C]`.
  public var start: String
  /// The end scores `[C]`.
  public var end: String

  /// The names that go with a head's logits output.
  public init(emissions: String) {
    let suffix =
      emissions.hasPrefix("logits") ? String(emissions.dropFirst("logits".count)) : "_" + emissions
    self.emissions = emissions
    transitions = "transitions" + suffix
    start = "start_transitions" + suffix
    end = "end_transitions" + suffix
  }

  /// The names of a lone head: the `crf` loss's defaults.
  public static let standard = CRFOutputNames(emissions: "logits")

  /// The three score outputs, in order.
  public var scores: [String] { [transitions, start, end] }
}

/// A linear-chain CRF output over one head's tags: transition, start and end scores as
/// trainable parameters, produced as model outputs beside the head's logits so the `crf`
/// loss trains them and prediction decodes with them.
///
/// The scores start uniform in ±0.1, as pytorch-crf's; a lone head's are named
/// `crf.transitions`, `crf.start` and `crf.end`, several heads' `crf.<head>.transitions`, … .
final class CRFOutput {
  /// The head's output names.
  let names: CRFOutputNames
  let transitions: Parameter
  let start: Parameter
  let end: Parameter

  init(head: String, lone: Bool, classes: Int, random: inout SeededGenerator) {
    names = CRFOutputNames(emissions: lone ? "logits" : "logits_\(head)")
    let prefix = lone ? "crf" : "crf.\(head)"
    func scores(_ shape: [Int]) -> Tensor {
      Tensor(shape: shape) { _ in (random.nextUnitFloat() * 2 - 1) * 0.1 }
    }
    transitions = Parameter(name: "\(prefix).transitions", value: scores([classes, classes]))
    start = Parameter(name: "\(prefix).start", value: scores([classes]))
    end = Parameter(name: "\(prefix).end", value: scores([classes]))
  }

  var parameters: [Parameter] { [transitions, start, end] }

  /// The scores as outputs.
  var outputs: [String: Tensor] {
    [names.transitions: transitions.value, names.start: start.value, names.end: end.value]
  }

  /// Adds each score output's gradient to its parameter's.
  func backward(_ gradients: [String: Tensor]) throws {
    for (name, parameter) in zip(names.scores, parameters) {
      guard let slope = gradients[name] else { continue }
      guard slope.shape == parameter.value.shape else {
        throw LossKitError.shapeMismatch(
          "gradient of output '\(name)'", expected: parameter.value.shape, actual: slope.shape)
      }
      slope.withUnsafeBufferPointer { source in
        parameter.gradient.withUnsafeMutableBufferPointer { target in
          for i in target.indices { target[i] += source[i] }
        }
      }
    }
  }
}
