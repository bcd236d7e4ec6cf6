import LossKitCore

extension ForeignLoss {
  /// Registers the loss declared by `LIBRARY:DECLARATION` under the function's name.
  ///
  /// ```swift
  /// try ForeignLoss.register(
  ///   "./libhinge.so:double smooth_hinge(double prediction, double target, double margin=1)",
  ///   into: &registry)
  /// ```
  ///
  /// - Parameters:
  ///   - text: The library path, `:`, and a declaration (syntax: ``ForeignDeclaration``). A
  ///     relative path or bare file name means the file in the current directory.
  ///   - registry: Where the loss is registered.
  /// - Returns: The function, with its declaration and provenance.
  /// - Throws: ``ForeignLossError`` for a malformed declaration, an unsupported type, a library
  ///   that cannot be opened or a missing symbol;
  ///   ``LossKitCore/LossKitError/duplicateName(_:_:)`` when the name is taken.
  @discardableResult
  public static func register(
    _ text: String, into registry: inout LossRegistry
  ) throws -> ForeignFunction {
    let (library, declaration) = try ForeignDeclaration.splitLibrary(text)
    return try register(declaration: declaration, library: library, into: &registry)
  }

  /// Registers a declared function from the library at `library`.
  ///
  /// - Throws: As ``register(_:into:)``.
  @discardableResult
  public static func register(
    declaration text: String, library: String, into registry: inout LossRegistry
  ) throws -> ForeignFunction {
    let function = try open(declaration: text, library: library)
    try register(function, into: &registry)
    return function
  }

  /// Parses a declaration and opens its function and derivative without registering them.
  ///
  /// - Throws: ``ForeignLossError``, as for ``register(_:into:)``.
  public static func open(declaration text: String, library: String) throws -> ForeignFunction {
    let declaration = try ForeignDeclaration(parsing: text)
    return try ForeignFunction(declaration: declaration, library: library)
  }

  /// Registers an opened function under its name.
  ///
  /// - Throws: ``LossKitCore/LossKitError/duplicateName(_:_:)`` when the name is taken.
  public static func register(_ function: ForeignFunction, into registry: inout LossRegistry)
    throws
  {
    let declaration = function.declaration
    var defaults: [String: JSONValue] = ["output": .string("logits"), "target": .string("labels")]
    for parameter in declaration.lossParameters {
      defaults[parameter.name] = .number(parameter.defaultValue!)
    }
    try registry.register(
      name: declaration.symbol, version: version,
      summary: "\(declaration.text) from \(function.library.fileName) (foreign function)",
      defaults: .object(defaults),
      decode: { parameters in try ForeignLoss(function: function, parameters: parameters) })
  }
}
