import Foundation
import LossKit
import LossKitTesting
import Testing

/// The quadratically smoothed hinge of Fixtures/smooth_hinge.c, in Swift.
func smoothHinge(_ x: Double, _ y: Double, margin: Double) -> Double {
  let z = (2 * y - 1) * x
  if z >= margin { return 0 }
  if z <= margin - 1 { return margin - 0.5 - z }
  return 0.5 * (margin - z) * (margin - z)
}

@Suite struct ForeignLossTests {
  static let library = Result {
    try PluginBuilder.fixture("smooth_hinge.c", fileName: "libhinge.so")
  }
  let hinge = "double smooth_hinge(double prediction, double target, double margin=1)"

  func registry(_ declarations: String...) throws -> LossRegistry {
    let path = try Self.library.get()
    var registry = LossRegistry.standard
    for declaration in declarations {
      try ForeignLoss.register("\(path):\(declaration)", into: &registry)
    }
    return registry
  }

  @Test(
    "a smooth hinge with margin 0.5 matches its formula and finite differences"
  )
  func smoothHingeGradient() throws {
    let loss = try registry(hinge).makeLoss(
      named: "smooth_hinge", parameters: ["margin": .number(0.5)])
    var data = TestData(seed: 21)
    let logits = data.normal([8, 3], scale: 1.5)
    let y = data.binary([8, 3], share: 0.4)
    let weights = data.weights(8)
    let result = try loss(logits, Targets(dense: y, sampleWeights: weights))
    func reference(_ x: [Double]) -> Double {
      var total = 0.0
      var divisor = 0.0
      for index in x.indices {
        let w = Double(weights[index / 3])
        total += w * smoothHinge(x[index], Double(y.scalars[index]), margin: 0.5)
        divisor += w
      }
      return total / divisor
    }
    let x = logits.scalars.map(Double.init)
    #expect(isClose(result.value, reference(x), relative: 1e-6, absolute: 1e-9))
    let numeric = finiteDifferenceGradient(at: x, step: 1e-6, reference)
    let gradient = result.gradients["logits"]!.scalars.map(Double.init)
    #expect(mismatches(gradient, numeric, relative: 1e-4, absolute: 1e-6).isEmpty)
  }

  @Test("class indices on a 4-class output average the one-vs-rest hinge of every class")
  func multiClass() throws {
    let loss = try registry(hinge).makeLoss(named: "smooth_hinge")
    var data = TestData(seed: 22)
    let logits = data.normal([5, 4])
    let labels: [Int32] = [3, 0, -100, 2, 1]
    let result = try loss(logits, Targets(classIndices: labels))
    func reference(_ x: [Double]) -> Double {
      var total = 0.0
      for (row, label) in labels.enumerated() where label >= 0 {
        for c in 0..<4 { total += smoothHinge(x[row * 4 + c], c == Int(label) ? 1 : 0, margin: 1) }
      }
      return total / 16
    }
    let x = logits.scalars.map(Double.init)
    #expect(isClose(result.value, reference(x), relative: 1e-6, absolute: 1e-9))
    let numeric = finiteDifferenceGradient(at: x, step: 1e-6, reference)
    let gradient = result.gradients["logits"]!.scalars.map(Double.init)
    #expect(mismatches(gradient, numeric, relative: 1e-4, absolute: 1e-6).isEmpty)
  }

  @Test("float, int32_t and int64_t parameters are passed in their C types")
  func otherTypes() throws {
    let declaration =
      "float power_loss(float prediction, int32_t target, int64_t power=2, float scale=1)"
    let loss = try registry(declaration).makeLoss(
      named: "power_loss", parameters: ["power": .number(3), "scale": .number(0.5)])
    let logits = try Tensor(shape: [3], scalars: [0.5, -1, 2])
    let result = try loss(logits, Targets(classIndices: [1, 0, 1]))
    let expected: Double = (0.5 * 0.125 + 0.5 + 0.5) / 3
    #expect(isClose(result.value, expected, relative: 1e-6, absolute: 1e-7))
    let slopes = result.gradients["logits"]!.scalars
    #expect(isClose(Double(slopes[0]), -0.5 * 3 * 0.25 / 3, relative: 1e-5, absolute: 1e-7))
    #expect(throws: LossKitError.self) {
      try loss(logits, Targets(dense: try Tensor(shape: [3], scalars: [0.5, 0, 1])))
    }
    let registry = try registry(declaration)
    #expect(throws: LossKitError.self) {
      try registry.makeLoss(named: "power_loss", parameters: ["power": .number(2.5)])
    }
    #expect(throws: LossKitError.self) {
      try registry.makeLoss(named: "power_loss", parameters: ["gamma": .number(2)])
    }
  }

  @Test("a first parameter named probability receives σ(logit), and the chain rule is applied")
  func probabilityInput() throws {
    let loss = try registry("double brier_p(double probability, double target)").makeLoss(
      named: "brier_p")
    var data = TestData(seed: 23)
    let logits = data.normal([6])
    let y = data.binary([6])
    let result = try loss(logits, Targets(dense: y))
    func reference(_ x: [Double]) -> Double {
      zip(x, y.scalars).map {
        let p = 1 / (1 + exp(-$0)); return (p - Double($1)) * (p - Double($1))
      }
      .reduce(0, +) / 6
    }
    let x = logits.scalars.map(Double.init)
    #expect(isClose(result.value, reference(x), relative: 1e-6, absolute: 1e-9))
    let numeric = finiteDifferenceGradient(at: x, reference)
    #expect(
      mismatches(
        result.gradients["logits"]!.scalars.map(Double.init), numeric, relative: 1e-4,
        absolute: 1e-7
      ).isEmpty)
  }

  @Test("grad= names the derivative's symbol")
  func gradientSymbol() throws {
    let registry = try registry(
      "double smooth_hinge(double prediction, double target, double margin=1); grad=hinge_slope")
    let loss = try registry.makeLoss(named: "smooth_hinge")
    #expect(
      (loss as? ForeignLoss)?.provenance?.declaration?.hasSuffix("; grad=hinge_slope") == true)
    let result = try loss(
      try Tensor(shape: [2], scalars: [0.2, -0.3]), Targets(classIndices: [1, 0]))
    #expect(
      isClose(
        Double(result.gradients["logits"]!.scalars[0]), -0.8 / 2, relative: 1e-6, absolute: 1e-7))
  }

  @Test(
    "parameters save as JSON and the loss rebuilds from its spec; output and target are settable")
  func codable() throws {
    let registry = try registry(hinge)
    let loss = try registry.makeLoss(
      named: "smooth_hinge",
      parameters: ["margin": .number(0.25), "output": .string("logits_fine")])
    let spec = try LossSpec(loss)
    #expect(spec.name == "smooth_hinge")
    #expect(
      spec.parameters
        == .object([
          "margin": .number(0.25), "output": .string("logits_fine"), "target": .string("labels"),
        ]))
    #expect(try LossSpec(registry.makeLoss(from: spec)) == spec)
    #expect(loss.outputNames == ["logits_fine"])
    let composite = 0.5 * FocalLoss() + 0.5 * (loss as! ForeignLoss)
    #expect(try LossSpec(registry.makeLoss(from: LossSpec(composite))) == LossSpec(composite))
  }

  @Test(
    "a function returning NaN is an error naming the loss; the gradient buffers stay as they were")
  func nonFinite() throws {
    let loss = try registry("double bad_log(double prediction, double target)").makeLoss(
      named: "bad_log")
    var gradients = GradientBuffers()
    gradients.write("logits", shape: [2]) { buffer, _ in buffer.update(repeating: 3) }
    #expect {
      try loss.evaluate(
        ["logits": try Tensor(shape: [2], scalars: [1, -1])],
        ["labels": Targets(classIndices: [1, 1])], scale: 1, gradients: &gradients)
    } throws: { error in
      guard
        case .nonFiniteResult(let name, _, _, _, _, let element) = error as? ElementwiseLossError
      else {
        return false
      }
      return name == "bad_log" && element == 1
    }
    #expect(gradients["logits"]!.scalars == [3, 3])
  }

  @Test(
    "a missing symbol, a missing _grad and an unopenable library are one-line errors naming them"
  )
  func badLibraries() throws {
    let path = try Self.library.get()
    var registry = LossRegistry()
    #expect(throws: ForeignLossError.missingSymbol(library: path, symbol: "nothing_here")) {
      try ForeignLoss.register(
        "\(path):double nothing_here(double prediction, double target)", into: &registry)
    }
    #expect(
      throws: ForeignLossError.missingGradientSymbol(
        library: path, symbol: "lonely_grad", function: "lonely")
    ) {
      try ForeignLoss.register(
        "\(path):double lonely(double prediction, double target)", into: &registry)
    }
    let notALibrary = try PluginBuilder.folder("text").appendingPathComponent("libtext.so")
    try "not a library".write(to: notALibrary, atomically: true, encoding: .utf8)
    #expect {
      try ForeignLoss.register(
        "\(notALibrary.path):double f(double prediction, double target)", into: &registry)
    } throws: { error in
      guard case .cannotOpenLibrary(let named, _) = error as? ForeignLossError else { return false }
      return named == notALibrary.path && !"\(error)".contains("\n")
    }
    #expect(registry.names == ["composite"])
  }

  @Test("a foreign name that is already registered is an error")
  func duplicate() throws {
    var registry = try registry(hinge)
    #expect(throws: LossKitError.duplicateName(.loss, "smooth_hinge")) {
      try ForeignLoss.register("\(try Self.library.get()):\(hinge)", into: &registry)
    }
  }
}
