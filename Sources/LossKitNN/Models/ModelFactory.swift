import LossKitCore

/// Builds models by kind from saved hyper-parameters.
public enum ModelFactory {
  /// The kinds this module can build.
  public static let kinds = ["logistic", "mlp", "bilstm", "multi-head"]

  /// A freshly initialised model of `kind` with `hyperparameters` (as saved by
  /// ``Model/hyperparameters``).
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` for an unknown kind or hyper-parameters that
  ///   do not decode.
  public static func makeModel(kind: String, hyperparameters: JSONValue) throws -> any Model {
    do {
      switch kind {
      case "logistic":
        return LogisticRegression(try hyperparameters.decode(LogisticRegression.Configuration.self))
      case "mlp":
        return MultilayerPerceptron(
          try hyperparameters.decode(MultilayerPerceptron.Configuration.self))
      case "bilstm":
        return try BiLSTMTagger(try hyperparameters.decode(BiLSTMTagger.Configuration.self))
      case "multi-head":
        return MultiHeadClassifier(try hyperparameters.decode(MultiHeadClassifier.Configuration.self))
      default:
        throw LossKitError.invalidSpec(
          "unknown model kind '\(kind)'; known kinds: \(kinds.joined(separator: ", "))")
      }
    } catch let error as LossKitError {
      throw error
    } catch {
      throw LossKitError.invalidSpec("the hyper-parameters of a '\(kind)' model do not decode: \(error)")
    }
  }
}
