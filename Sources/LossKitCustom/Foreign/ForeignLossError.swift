import Foundation

/// Errors declaring or loading a foreign-function loss. Each is one line naming the
/// declaration, library or symbol, and saying what to write instead.
public enum ForeignLossError: Error, Sendable, Equatable, CustomStringConvertible,
  LocalizedError
{
  /// The text is not a declaration LossKit reads.
  case malformedDeclaration(_ declaration: String, reason: String)
  /// A parameter or the return value has a type libffi is not asked to pass here.
  case unsupportedType(_ declaration: String, what: String, type: String)
  /// The library cannot be opened.
  case cannotOpenLibrary(path: String, reason: String)
  /// The library does not export the declared function.
  case missingSymbol(library: String, symbol: String)
  /// The library does not export the derivative.
  case missingGradientSymbol(library: String, symbol: String, function: String)
  /// libffi could not prepare a call with this signature.
  case callPreparationFailed(symbol: String, status: Int)

  /// The problem and what to do.
  public var description: String {
    switch self {
    case .malformedDeclaration(let declaration, let reason):
      return "cannot read the foreign loss declaration '\(declaration)': \(reason); write "
        + "LIBRARY:double NAME(double prediction, double target, double margin=1)"
    case .unsupportedType(let declaration, let what, let type):
      return "unsupported type '\(type)' for \(what) in '\(declaration)'; use float, double, "
        + "int32_t or int64_t (the prediction and the return value: float or double)"
    case .cannotOpenLibrary(let path, let reason):
      return "cannot open the library \(path) of a foreign loss: \(reason); give the path of "
        + "a shared library built for this machine (a relative path or a bare file name means "
        + "the current directory)"
    case .missingSymbol(let library, let symbol):
      return "\(library) does not export '\(symbol)'; check the function's name (`nm -D "
        + "\(library)` lists them; C++ needs extern \"C\")"
    case .missingGradientSymbol(let library, let symbol, let function):
      return "\(library) does not export '\(symbol)', the derivative of '\(function)' with "
        + "respect to the prediction; export it with the same parameters, or name it with "
        + "'; grad=SYMBOL' after the declaration"
    case .callPreparationFailed(let symbol, let status):
      return "libffi could not prepare a call to '\(symbol)' (ffi_prep_cif status \(status)); "
        + "check the declared types"
    }
  }

  /// The same text as ``description``.
  public var errorDescription: String? { description }
}
