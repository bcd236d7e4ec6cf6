import LossKit
import Testing

@Suite struct ForeignDeclarationTests {
  @Test("a declaration with a loss parameter: symbols, input, defaults and canonical text")
  func smoothHinge() throws {
    let declaration = try ForeignDeclaration(
      parsing: "  double smooth_hinge( double prediction,double target , double margin = 1.0 ) ")
    #expect(declaration.symbol == "smooth_hinge")
    #expect(declaration.gradientSymbol == "smooth_hinge_grad")
    #expect(declaration.returnType == .double)
    #expect(declaration.input == .logit)
    #expect(declaration.lossParameters.map(\.name) == ["margin"])
    #expect(declaration.lossParameters.first?.defaultValue == 1)
    #expect(
      declaration.text == "double smooth_hinge(double prediction, double target, double margin=1)")
    #expect(try ForeignDeclaration(parsing: declaration.text) == declaration)
  }

  @Test("every accepted type, const, a float literal, and grad= after a semicolon")
  func typesAndGradient() throws {
    let declaration = try ForeignDeclaration(
      parsing:
        "float f(const float probability, int32_t target, int64_t n=3, float s=0.5f); grad=df;")
    #expect(declaration.parameters.map(\.type) == [.float, .int32, .int64, .float])
    #expect(declaration.input == .probability)
    #expect(declaration.gradientSymbol == "df")
    #expect(
      declaration.text
        == "float f(float probability, int32_t target, int64_t n=3, float s=0.5); grad=df")
  }

  @Test("LIBRARY:DECLARATION splits at the last colon before the parameter list")
  func library() throws {
    let (library, declaration) = try ForeignDeclaration.splitLibrary(
      "/opt/odd:name/libl.so:double l(double prediction, double target)")
    #expect(library == "/opt/odd:name/libl.so")
    #expect(declaration == "double l(double prediction, double target)")
    #expect(throws: ForeignLossError.self) {
      try ForeignDeclaration.splitLibrary("double l(double prediction, double target)")
    }
  }

  @Test(
    "malformed declarations are one-line errors naming the declaration",
    arguments: [
      "double f",
      "double f(double prediction)",
      "f(double prediction, double target)",
      "double 2f(double prediction, double target)",
      "double f(double prediction, double target, double margin)",
      "double f(double prediction=1, double target)",
      "double f(double prediction, double target, double m=abc)",
      "double f(double prediction, double target, double m=inf)",
      "double f(double prediction, double target, int32_t n=1.5)",
      "double f(double prediction, double target, double p, double p=1)",
      "double f(double prediction, double target, double output=1)",
      "double f(double prediction, double target) extra",
      "double f(double prediction, double target); gradient=g",
      "double f(double prediction, double target); grad=1g",
      "double f(double prediction, , double target)",
    ])
  func malformed(text: String) {
    #expect {
      try ForeignDeclaration(parsing: text)
    } throws: { error in
      guard case .malformedDeclaration(let named, _) = error as? ForeignLossError else {
        return false
      }
      return named == text && !"\(error)".contains("\n")
    }
  }

  @Test(
    "unsupported types name the type and where it is",
    arguments: [
      ("double f(double prediction, double target, int n=1)", "int"),
      ("double f(double prediction, double target, double *p=1)", "double"),
      ("double f(unsigned long prediction, double target)", "unsigned long"),
      ("int32_t f(double prediction, double target)", "int32_t"),
      ("double f(int32_t prediction, double target)", "int32_t"),
      ("void f(double prediction, double target)", "void"),
    ])
  func unsupported(text: String, type: String) {
    #expect {
      try ForeignDeclaration(parsing: text)
    } throws: { error in
      guard case .unsupportedType(_, _, let named) = error as? ForeignLossError else {
        return "\(error)".contains("'*p'") && type == "double"
      }
      return named == type
    }
  }
}
