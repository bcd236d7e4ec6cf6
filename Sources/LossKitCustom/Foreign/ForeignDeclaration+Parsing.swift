extension ForeignDeclaration {
  /// Parses a declaration (see ``ForeignDeclaration`` for the syntax).
  ///
  /// - Throws: ``ForeignLossError/malformedDeclaration(_:reason:)`` or
  ///   ``ForeignLossError/unsupportedType(_:what:type:)``, naming the declaration.
  public init(parsing declaration: String) throws(ForeignLossError) {
    let original = declaration.trimmingWhitespace
    func malformed(_ reason: String) -> ForeignLossError {
      .malformedDeclaration(original, reason: reason)
    }
    var settings = original.split(separator: ";", omittingEmptySubsequences: false)
      .map { String($0).trimmingWhitespace }
    let signature = settings.removeFirst()
    var gradient: String?
    for setting in settings where !setting.isEmpty {
      let parts = setting.split(separator: "=", maxSplits: 1).map { String($0).trimmingWhitespace }
      guard parts.count == 2, parts[0] == "grad" else {
        throw malformed("unknown setting '\(setting)'; the only setting is grad=SYMBOL")
      }
      guard parts[1].isCIdentifier else {
        throw malformed("grad=\(parts[1]) is not a C symbol name")
      }
      gradient = parts[1]
    }
    guard let open = signature.firstIndex(of: "("), let close = signature.lastIndex(of: ")"),
      open < close
    else {
      throw malformed("no parameter list in parentheses")
    }
    guard signature[signature.index(after: close)...].trimmingWhitespace.isEmpty else {
      throw malformed("text after the closing parenthesis; settings follow a ';'")
    }
    let head = Self.words(signature[..<open])
    guard head.count >= 2 else {
      throw malformed("write the return type and the function name before '('")
    }
    let symbol = head.last!
    guard symbol.isCIdentifier else { throw malformed("'\(symbol)' is not a C function name") }
    let returnName = head.dropLast().joined(separator: " ")
    guard let returnType = ScalarType(rawValue: returnName), !returnType.isInteger else {
      throw .unsupportedType(original, what: "the return value", type: returnName)
    }
    let list = signature[signature.index(after: open)..<close]
    var parameters: [Parameter] = []
    for item in list.split(separator: ",", omittingEmptySubsequences: false) {
      let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      var words = Self.words(parts[0])
      if words.first == "const" { words.removeFirst() }
      guard words.count >= 2 else {
        throw malformed(
          "parameter \(parameters.count + 1) ('\(item.trimmingWhitespace)') needs a type and a name"
        )
      }
      let name = words.last!
      let typeName = words.dropLast().joined(separator: " ")
      guard name.isCIdentifier else { throw malformed("'\(name)' is not a parameter name") }
      guard let type = ScalarType(rawValue: typeName) else {
        throw .unsupportedType(original, what: "parameter '\(name)'", type: typeName)
      }
      guard !parameters.contains(where: { $0.name == name }) else {
        throw malformed("two parameters are named '\(name)'")
      }
      var value: Double?
      if parts.count == 2 {
        let literal = String(parts[1]).trimmingWhitespace
        guard let number = Self.number(literal, type: type) else {
          throw malformed(
            "the default of '\(name)' ('\(literal)') is not a finite \(type.rawValue)")
        }
        value = number
      }
      parameters.append(Parameter(name: name, type: type, defaultValue: value))
    }
    guard parameters.count >= 2 else {
      throw malformed("the first two parameters must be the prediction and the target")
    }
    if parameters[0].type.isInteger {
      throw .unsupportedType(
        original, what: "the prediction '\(parameters[0].name)'", type: parameters[0].type.rawValue)
    }
    for parameter in parameters.prefix(2) where parameter.defaultValue != nil {
      throw malformed("'\(parameter.name)' is the prediction or the target and takes no default")
    }
    for parameter in parameters.dropFirst(2) {
      guard parameter.defaultValue != nil else {
        throw malformed(
          "the loss parameter '\(parameter.name)' needs a default: write "
            + "\(parameter.type.rawValue) \(parameter.name)=VALUE")
      }
      guard !ForeignLoss.reservedKeys.contains(parameter.name) else {
        throw malformed(
          "a loss parameter cannot be named '\(parameter.name)' (it selects the model output "
            + "or target set); rename it")
      }
    }
    self.init(
      returnType: returnType, symbol: symbol, parameters: parameters,
      gradientSymbol: gradient ?? symbol + "_grad")
  }

  /// Splits `LIBRARY:DECLARATION` at the last `:` before the parameter list (a library path
  /// may itself hold colons).
  ///
  /// - Throws: ``ForeignLossError/malformedDeclaration(_:reason:)`` when there is no library
  ///   part.
  public static func splitLibrary(
    _ text: String
  ) throws(ForeignLossError) -> (library: String, declaration: String) {
    let end = text.firstIndex(of: "(") ?? text.endIndex
    guard let colon = text[..<end].lastIndex(of: ":") else {
      throw .malformedDeclaration(
        text, reason: "no library: put the shared library's path and ':' first")
    }
    let library = String(text[..<colon]).trimmingWhitespace
    guard !library.isEmpty else {
      throw .malformedDeclaration(text, reason: "the library path before ':' is empty")
    }
    return (library, String(text[text.index(after: colon)...]))
  }

  private static func words(_ text: Substring) -> [String] {
    text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
  }

  /// A finite literal representable in `type` (integral for integer types).
  private static func number(_ literal: String, type: ScalarType) -> Double? {
    var text = literal
    if type == .float || type == .double, text.hasSuffix("f") || text.hasSuffix("F") {
      text.removeLast()
    }
    guard let value = Double(text), value.isFinite else { return nil }
    switch type {
    case .float: return abs(value) <= Double(Float.greatestFiniteMagnitude) ? value : nil
    case .double: return value
    case .int32: return value.rounded() == value && abs(value) <= Double(Int32.max) ? value : nil
    case .int64:
      return value.rounded() == value && abs(value) < 9.007_199_254_740_992e15 ? value : nil
    }
  }
}

extension StringProtocol {
  /// The text without leading and trailing spaces, tabs and newlines.
  var trimmingWhitespace: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
    let last = lastIndex(where: { !isSpace($0) })!
    return String(self[first...last])
  }

  /// Whether the text is a C identifier: a letter or `_`, then letters, digits or `_`.
  var isCIdentifier: Bool {
    let isDigit: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
    guard let first = unicodeScalars.first, !isDigit(first) else { return false }
    return unicodeScalars.allSatisfy {
      $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || isDigit($0)
    }
  }
}
