import ArgumentParser

/// A command-line value that is either given or left to its owner's default, so `--help`
/// shows the real default (taken from the loss, model or optimizer that owns the option)
/// while the command still knows whether the user set it.
enum Setting<Value: ExpressibleByArgument & Sendable>: ExpressibleByArgument, Sendable {
  /// Not given; `description` says what applies instead.
  case unset(description: String)
  /// Given on the command line.
  case given(Value)

  /// The owner's default, shown as `(default: …)`.
  static func defaulting(to value: Value) -> Setting {
    .unset(description: value.defaultValueDescription)
  }

  init?(argument: String) {
    guard let value = Value(argument: argument) else { return nil }
    self = .given(value)
  }

  var defaultValueDescription: String {
    switch self {
    case .unset(let description): return description
    case .given(let value): return value.defaultValueDescription
    }
  }

  /// The given value, or `nil`.
  var value: Value? {
    if case .given(let value) = self { return value }
    return nil
  }
}
