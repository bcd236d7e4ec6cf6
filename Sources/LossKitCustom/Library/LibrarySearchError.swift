import Foundation

/// Errors finding the library a saved model's native or foreign loss came from.
public enum LibrarySearchError: Error, Sendable, Equatable, CustomStringConvertible,
  LocalizedError
{
  /// A library with the recorded file name exists but its contents differ.
  case hashMismatch(file: String, expected: String, found: String)
  /// No folder holds a library with the recorded file name.
  case notFound(file: String, searched: [String])
  /// The recorded provenance cannot be used as it is (a file name with a folder in it, a
  /// malformed hash, a foreign loss without its declaration).
  case invalidProvenance(loss: String, reason: String)
  /// The library was found and loaded, but does not define the loss.
  case lossNotProvided(loss: String, library: String, provided: [String])
  /// Two losses to bundle come from different libraries with the same file name.
  case conflictingFileNames(file: String, paths: [String])

  /// The problem and what to do.
  public var description: String {
    switch self {
    case .hashMismatch(let file, let expected, let found):
      return "\(file) is not the library the model was saved with: its SHA-256 is \(found), "
        + "the model records \(expected); put the original library on LOSSKIT_PLUGIN_PATH or "
        + "pass it with --plugin/--foreign"
    case .notFound(let file, let searched):
      let folders = searched.isEmpty ? "no folders" : searched.joined(separator: ", ")
      return "cannot find the loss library \(file); searched \(folders). Pass it with "
        + "--plugin/--foreign, save the model with --bundle-plugins, or add its folder to "
        + "LOSSKIT_PLUGIN_PATH"
    case .invalidProvenance(let loss, let reason):
      return "the saved library record of loss '\(loss)' is invalid: \(reason); pass the "
        + "library with --plugin/--foreign, or load the model for inference only"
    case .lossNotProvided(let loss, let library, let provided):
      return "\(library) does not define the loss '\(loss)' (it defines: "
        + "\(provided.isEmpty ? "nothing" : provided.joined(separator: ", "))); pass the "
        + "library that does with --plugin/--foreign"
    case .conflictingFileNames(let file, let paths):
      return "two different libraries are named \(file) (\(paths.joined(separator: ", "))); "
        + "rename one so a saved model can tell them apart"
    }
  }

  /// The same text as ``description``.
  public var errorDescription: String? { description }
}
