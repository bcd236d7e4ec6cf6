import Foundation

/// Errors saving, loading and storing models; each names the file or model.
public enum ArchiveError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  /// A file of a saved model is missing.
  case missingFile(path: String)
  /// A file is damaged or not in the expected format.
  case corrupt(path: String, reason: String)
  /// The manifest's format version is not one this build reads.
  case unsupportedFormat(path: String, found: String, supported: String)
  /// A stored tensor does not have the shape the model needs.
  case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])
  /// A model name is not usable in a store.
  case invalidName(_ name: String)
  /// No model of that name is in the store.
  case notFound(name: String, store: String, available: [String])
  /// Writing failed.
  case writeFailed(path: String, reason: String)
  /// A saved model names a loss, model kind or optimizer (or a version of one) that this
  /// program does not know; `problem` says what to register or load.
  case unresolved(path: String, problem: String)

  /// The problem and what to do.
  public var description: String {
    switch self {
    case .missingFile(let path):
      return "\(path) is missing; the saved model is incomplete — save it again"
    case .corrupt(let path, let reason): return "\(path) is damaged: \(reason)"
    case .unsupportedFormat(let path, let found, let supported):
      return "\(path): format '\(found)' is not supported (this build reads \(supported)); "
        + "use the LossKit version that saved it"
    case .shapeMismatch(let path, let tensor, let expected, let found):
      return "\(path): tensor '\(tensor)' has shape \(found), but the model needs \(expected)"
    case .invalidName(let name):
      return "'\(name)' is not a valid model name; use letters, digits, '.', '_' and '-' "
        + "(not starting with '.'), or a path containing '/'"
    case .notFound(let name, let store, let available):
      return "no model named '\(name)' in \(store); "
        + (available.isEmpty ? "the store is empty" : "stored: \(available.joined(separator: ", "))")
    case .writeFailed(let path, let reason): return "cannot write \(path): \(reason)"
    case .unresolved(let path, let problem): return "\(path): \(problem)"
    }
  }

  /// The same text as ``description``.
  public var errorDescription: String? { description }
}
