/// A loss expression as written on a command line: weighted terms with optional per-term
/// parameters, `0.7*focal(gamma=2)+0.3*supcon(temperature=0.07,target=section)`.
///
/// ```
/// expression := term ('+' term)*
/// term       := [number '*'] name ['(' [key '=' value (',' key '=' value)*] ')']
/// value      := atom | '[' [atom (',' atom)*] ']'
/// atom       := a number, a bare word, or a "quoted string"
/// ```
///
/// Keys are a loss's parameter names, in camelCase or kebab-case (`focalLabels`,
/// `focal-labels`); values are typed later, against the loss's defaults.
public struct LossExpression: Sendable, Equatable {
  /// A parameter value as written.
  public enum Value: Sendable, Equatable {
    /// One number, word or quoted string.
    case atom(String)
    /// A bracketed list.
    case list([String])
  }

  /// One weighted term.
  public struct Term: Sendable, Equatable {
    /// The weight (1 when none is written).
    public var weight: Double
    /// The loss name as written (an alias or a registry name).
    public var name: String
    /// The parameters written in the term, by camelCase key.
    public var parameters: [String: Value]
  }

  /// The terms, in order.
  public var terms: [Term]

  /// Parses an expression.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` naming the position and showing the form.
  public init(_ text: String) throws {
    var parser = Parser(text: text)
    terms = try parser.expression()
  }

  /// `focal-labels` → `focalLabels`; camelCase keys are returned unchanged.
  public static func camelCase(_ key: String) -> String {
    let parts = key.split(separator: "-", omittingEmptySubsequences: false)
    return parts.enumerated().map { index, part in
      index == 0 ? String(part) : part.prefix(1).uppercased() + part.dropFirst()
    }.joined()
  }
}

extension LossExpression {
  /// A recursive-descent reader over the expression's characters.
  fileprivate struct Parser {
    let text: String
    let characters: [Character]
    var position = 0

    init(text: String) {
      self.text = text
      characters = Array(text)
    }

    mutating func expression() throws -> [Term] {
      skipSpace()
      guard position < characters.count else {
        throw LossKitError.invalidSpec(
          "empty loss expression; try 'focal' or '0.7*focal+0.3*weighted'")
      }
      var terms = [try term()]
      while accept("+") { terms.append(try term()) }
      skipSpace()
      guard position == characters.count else { throw problem("expected '+' or the end") }
      return terms
    }

    mutating func term() throws -> Term {
      skipSpace()
      var weight = 1.0
      let start = position
      let first = word()
      guard !first.isEmpty else { throw problem("expected a loss name or a weight") }
      var name = first
      if accept("*") {
        guard let parsed = Double(first), parsed.isFinite else {
          position = start
          throw problem("'\(first)' is not a weight; write e.g. 0.7*focal")
        }
        weight = parsed
        skipSpace()
        name = word()
        guard !name.isEmpty else { throw problem("expected a loss name after '*'") }
      }
      guard Double(name) == nil else {
        position = start
        throw problem("'\(name)' is a number, not a loss; write terms as weight*name")
      }
      var parameters: [String: Value] = [:]
      if accept("(") {
        if !accept(")") {
          repeat {
            skipSpace()
            let key = word()
            guard !key.isEmpty else { throw problem("expected a parameter name") }
            guard accept("=") else { throw problem("expected '=' after '\(key)'") }
            let camel = LossExpression.camelCase(key)
            guard parameters[camel] == nil else {
              throw problem("'\(key)' is given twice in '\(name)(…)'")
            }
            parameters[camel] = try value()
          } while accept(",")
          guard accept(")") else { throw problem("expected ',' or ')'") }
        }
      }
      return Term(weight: weight, name: name, parameters: parameters)
    }

    mutating func value() throws -> Value {
      skipSpace()
      if accept("[") {
        var items: [String] = []
        if !accept("]") {
          repeat { items.append(try atom()) } while accept(",")
          guard accept("]") else { throw problem("expected ',' or ']'") }
        }
        return .list(items)
      }
      return .atom(try atom())
    }

    mutating func atom() throws -> String {
      skipSpace()
      if position < characters.count, characters[position] == "\"" {
        position += 1
        var result = ""
        while position < characters.count, characters[position] != "\"" {
          if characters[position] == "\\", position + 1 < characters.count { position += 1 }
          result.append(characters[position])
          position += 1
        }
        guard position < characters.count else { throw problem("unterminated quoted string") }
        position += 1
        return result
      }
      let written = word(allowingSigns: true)
      guard !written.isEmpty else { throw problem("expected a value") }
      return written
    }

    /// Letters, digits and `-_.:|/`, plus `+` after an exponent `e` when reading a value.
    mutating func word(allowingSigns: Bool = false) -> String {
      skipSpace()
      var result = ""
      while position < characters.count {
        let character = characters[position]
        let isExponentSign =
          (character == "+" || character == "-") && (result.last == "e" || result.last == "E")
          && Double(result.dropLast()) != nil
        guard
          character.isLetter || character.isNumber || "-_.:|/".contains(character)
            || isExponentSign || (allowingSigns && result.isEmpty && character == "+")
        else { break }
        result.append(character)
        position += 1
      }
      return result
    }

    mutating func accept(_ character: Character) -> Bool {
      skipSpace()
      guard position < characters.count, characters[position] == character else { return false }
      position += 1
      return true
    }

    mutating func skipSpace() {
      while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    func problem(_ what: String) -> LossKitError {
      .invalidSpec(
        "cannot read the loss expression '\(text)' at character \(position + 1): \(what); "
          + "write terms as weight*name(key=value, …), e.g. 0.7*focal(gamma=2)+0.3*supcon")
    }
  }
}
