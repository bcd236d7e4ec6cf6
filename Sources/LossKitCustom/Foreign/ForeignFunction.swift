import CLibFFI

/// A declared C function and its derivative, opened and prepared for calls through libffi.
///
/// The call interface (`ffi_cif`) is prepared once, when the function is registered; every
/// loss value built from it, and every element, reuses it. Only the argument values change,
/// in a ``ForeignFunction/Call`` made once per evaluation.
public final class ForeignFunction: @unchecked Sendable {
  /// The declaration the function was registered from.
  public let declaration: ForeignDeclaration
  let library: SharedLibrary
  private let valueAddress: UnsafeMutableRawPointer
  private let gradientAddress: UnsafeMutableRawPointer
  private let interface: UnsafeMutablePointer<ffi_cif>
  private let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>

  /// Opens `library`, finds the function and its derivative, and prepares the call.
  ///
  /// - Throws: ``ForeignLossError`` naming the library or symbol that is missing, or the
  ///   signature libffi refused.
  init(declaration: ForeignDeclaration, library path: String) throws(ForeignLossError) {
    let library: SharedLibrary
    do {
      library = try SharedLibrary.open(path)
    } catch {
      throw .cannotOpenLibrary(path: error.path, reason: error.reason)
    }
    guard let value = library.symbol(declaration.symbol) else {
      throw .missingSymbol(library: library.path, symbol: declaration.symbol)
    }
    guard let gradient = library.symbol(declaration.gradientSymbol) else {
      throw .missingGradientSymbol(
        library: library.path, symbol: declaration.gradientSymbol, function: declaration.symbol)
    }
    let count = declaration.parameters.count
    let types = UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>.allocate(capacity: count)
    for (index, parameter) in declaration.parameters.enumerated() {
      types[index] = Self.ffiType(parameter.type)
    }
    let interface = UnsafeMutablePointer<ffi_cif>.allocate(capacity: 1)
    let status = ffi_prep_cif(
      interface, losskit_ffi_default_abi(), UInt32(count), Self.ffiType(declaration.returnType),
      types)
    guard status == FFI_OK else {
      types.deallocate()
      interface.deallocate()
      throw .callPreparationFailed(symbol: declaration.symbol, status: Int(status.rawValue))
    }
    self.declaration = declaration
    self.library = library
    self.valueAddress = value
    self.gradientAddress = gradient
    self.interface = interface
    self.argumentTypes = types
  }

  deinit {
    interface.deallocate()
    argumentTypes.deallocate()
  }

  /// The library's file name and SHA-256, and the declaration.
  public var provenance: LossProvenance {
    .foreign(library: library.fileName, sha256: library.digest.hex, declaration: declaration.text)
  }

  /// The absolute path of the library.
  public var libraryPath: String { library.path }

  /// Runs `body` with argument storage holding `parameters` (the loss parameters' values, in
  /// declaration order, already checked against their types).
  func withCall<R>(parameters: [Double], _ body: (Call) throws -> R) rethrows -> R {
    let count = declaration.parameters.count
    let slots = UnsafeMutableRawPointer.allocate(byteCount: 8 * (count + 2), alignment: 16)
    let arguments = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: count)
    defer {
      slots.deallocate()
      arguments.deallocate()
    }
    for index in 0..<count { arguments[index] = slots + 8 * index }
    for (index, value) in zip(2..<count, parameters) {
      Call.store(value, as: declaration.parameters[index].type, at: slots + 8 * index)
    }
    let call = Call(
      interface: interface, value: valueAddress, gradient: gradientAddress, slots: slots,
      arguments: arguments, result: slots + 8 * count,
      predictionType: declaration.parameters[0].type, targetType: declaration.parameters[1].type,
      returnType: declaration.returnType)
    return try body(call)
  }

  private static func ffiType(_ type: ForeignDeclaration.ScalarType) -> UnsafeMutablePointer<
    ffi_type
  > {
    switch type {
    case .float: return losskit_ffi_type_float()
    case .double: return losskit_ffi_type_double()
    case .int32: return losskit_ffi_type_sint32()
    case .int64: return losskit_ffi_type_sint64()
    }
  }

  /// Argument storage for one evaluation: the loss parameters are in place; each call writes
  /// the prediction and target and calls the function and its derivative.
  struct Call {
    let interface: UnsafeMutablePointer<ffi_cif>
    let value: UnsafeMutableRawPointer
    let gradient: UnsafeMutableRawPointer
    let slots: UnsafeMutableRawPointer
    let arguments: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let result: UnsafeMutableRawPointer
    let predictionType: ForeignDeclaration.ScalarType
    let targetType: ForeignDeclaration.ScalarType
    let returnType: ForeignDeclaration.ScalarType

    /// The function's value and derivative at (prediction, target).
    func callAsFunction(_ prediction: Double, _ target: Double) -> (
      value: Double, derivative: Double
    ) {
      Self.store(prediction, as: predictionType, at: slots)
      Self.store(target, as: targetType, at: slots + 8)
      let loss = invoke(value)
      return (loss, invoke(gradient))
    }

    private func invoke(_ function: UnsafeMutableRawPointer) -> Double {
      ffi_call(
        interface, unsafeBitCast(function, to: (@convention(c) () -> Void).self), result, arguments)
      return returnType == .float
        ? Double(result.load(as: Float.self)) : result.load(as: Double.self)
    }

    /// Writes `value` in the C representation of `type` (integers are checked integral and
    /// in range before they get here).
    static func store(
      _ value: Double, as type: ForeignDeclaration.ScalarType, at slot: UnsafeMutableRawPointer
    ) {
      switch type {
      case .float: slot.storeBytes(of: Float(value), as: Float.self)
      case .double: slot.storeBytes(of: value, as: Double.self)
      case .int32: slot.storeBytes(of: Int32(value), as: Int32.self)
      case .int64: slot.storeBytes(of: Int64(value), as: Int64.self)
      }
    }
  }
}
