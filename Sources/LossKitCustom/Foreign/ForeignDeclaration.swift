/// A C function declared as an element-wise loss, and where to find its derivative.
///
/// The syntax is a C prototype, with defaults on the loss parameters and optional settings
/// after semicolons:
///
/// ```
/// double smooth_hinge(double prediction, double target, double margin=1)
/// double smooth_hinge(double prediction, double target, double margin=1); grad=hinge_slope
/// float brier(float probability, float target)
/// ```
///
/// - The return value is the element's loss (`float` or `double`).
/// - The first parameter is the prediction: the logit, or `σ(logit)` when it is named
///   `probability` (`float` or `double`).
/// - The second is the target (0/1 labels, soft or multi-label values; any accepted type).
/// - Every further parameter is a loss parameter with the default written after `=`,
///   settable by name (`smooth_hinge(margin=0.5)` in an expression). Its type is `float`,
///   `double`, `int32_t` or `int64_t`; `const` is allowed and ignored.
/// - The derivative with respect to the prediction is the function `NAME_grad` with the same
///   parameters and return type, or the symbol after `grad=`.
///
/// The loss is registered under the function's name.
public struct ForeignDeclaration: Sendable, Hashable {
  /// A C scalar type libffi passes by value here.
  public enum ScalarType: String, Sendable, Hashable, CaseIterable {
    /// `float`.
    case float
    /// `double`.
    case double
    /// `int32_t`.
    case int32 = "int32_t"
    /// `int64_t`.
    case int64 = "int64_t"

    /// Whether the type holds integers.
    public var isInteger: Bool { self == .int32 || self == .int64 }
  }

  /// One declared parameter.
  public struct Parameter: Sendable, Hashable {
    /// The parameter's name, as written.
    public var name: String
    /// Its type.
    public var type: ScalarType
    /// The default (loss parameters only).
    public var defaultValue: Double?
  }

  /// The type of the returned loss value.
  public var returnType: ScalarType
  /// The function's symbol, which is also the loss's registry name.
  public var symbol: String
  /// Every parameter, prediction and target first.
  public var parameters: [Parameter]
  /// The derivative's symbol (`symbol + "_grad"` unless `grad=` names another).
  public var gradientSymbol: String

  /// What the first parameter receives.
  public var input: ElementwiseInput {
    parameters[0].name == "probability" ? .probability : .logit
  }

  /// The parameters after prediction and target: the loss's settable parameters.
  public var lossParameters: ArraySlice<Parameter> { parameters.dropFirst(2) }

  /// The declaration in canonical form, as a saved model records it (no library part;
  /// `; grad=` only when it is not the default).
  public var text: String {
    let list = parameters.map { parameter in
      let value = parameter.defaultValue.map { "=\(Self.literal($0))" } ?? ""
      return "\(parameter.type.rawValue) \(parameter.name)\(value)"
    }
    let gradient = gradientSymbol == symbol + "_grad" ? "" : "; grad=\(gradientSymbol)"
    return "\(returnType.rawValue) \(symbol)(\(list.joined(separator: ", ")))\(gradient)"
  }

  /// A number as a C literal: integers without a fraction, others in Swift's shortest form.
  static func literal(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
  }
}
