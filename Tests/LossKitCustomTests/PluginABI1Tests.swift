import Foundation
import LossKit
import LossKitTesting
import Testing

/// A linear softmax classifier trained by plain gradient descent on any loss: enough to see
/// a loss train a model without the Trainer.
struct LinearProbe {
  let features: Int
  let classes: Int
  var weights: [Float]

  init(features: Int, classes: Int) {
    self.features = features
    self.classes = classes
    weights = [Float](repeating: 0, count: features * classes)
  }

  func logits(_ x: [Float], rows: Int) -> Tensor {
    Tensor(shape: [rows, classes]) { index in
      let (row, c) = index.quotientAndRemainder(dividingBy: classes)
      return (0..<features).reduce(0) { $0 + x[row * features + $1] * weights[$1 * classes + c] }
    }
  }

  /// Runs `steps` steps; returns the loss before and after.
  mutating func train(
    _ loss: any Loss, x: [Float], targets: Targets, rows: Int, steps: Int, rate: Float
  ) throws -> (first: Double, last: Double) {
    var first = 0.0
    var last = 0.0
    for step in 0...steps {
      let result = try loss(logits(x, rows: rows), targets)
      if step == 0 { first = result.value }
      last = result.value
      let g = result.gradients["logits"]!.scalars
      for f in 0..<features {
        for c in 0..<classes {
          let slope = (0..<rows).reduce(Float(0)) {
            $0 + x[$1 * features + f] * g[$1 * classes + c]
          }
          weights[f * classes + c] -= rate * slope
        }
      }
    }
    return (first, last)
  }

  func accuracy(_ x: [Float], labels: [Int32]) -> Double {
    let z = logits(x, rows: labels.count).scalars
    let hits = labels.enumerated().filter { row, label in
      let line = z[(row * classes)..<((row + 1) * classes)]
      return line.firstIndex(of: line.max()!)! - row * classes == Int(label)
    }
    return Double(hits.count) / Double(labels.count)
  }

  /// Three well-separated classes in two features plus a bias feature.
  static func data(rows: Int, seed: UInt64) -> (x: [Float], labels: [Int32]) {
    var random = SeededGenerator(seed: seed)
    let centres: [(Float, Float)] = [(2, 0), (-1, 2), (-1, -2)]
    var x: [Float] = []
    var labels: [Int32] = []
    for row in 0..<rows {
      let label = row % 3
      x += [
        centres[label].0 + Float(random.nextNormal()) * 0.5,
        centres[label].1 + Float(random.nextNormal()) * 0.5, 1,
      ]
      labels.append(Int32(label))
    }
    return (x, labels)
  }
}

@Suite struct PluginABI1Tests {
  @Test("an ABI 1 plugin binary, built against the ABI 1 header, still loads and trains")
  func abi1PluginTrains() throws {
    var registry = LossRegistry()
    let library = try NativeLossPlugin.open(path: try PluginBuilder.brierV1())
    #expect(library.provenance.abiVersion == 1)
    try library.register(into: &registry)
    let loss = try registry.makeLoss(named: "brier")
    let (x, labels) = LinearProbe.data(rows: 60, seed: 5)
    var model = LinearProbe(features: 3, classes: 3)
    let (first, last) = try model.train(
      loss, x: x, targets: Targets(classIndices: labels), rows: 60, steps: 40, rate: 0.05)
    #expect(last < first / 2)
    #expect(model.accuracy(x, labels: labels) > 0.95)
  }

  @Test("ABI 1 and ABI 2 builds of the example agree on unweighted batches")
  func bothVersionsAgree() throws {
    var first = LossRegistry()
    var second = LossRegistry()
    try NativeLossPlugin.load(path: try PluginBuilder.brierV1(), into: &first)
    try NativeLossPlugin.load(path: try PluginBuilder.brier(), into: &second)
    let abi1 = try first.makeLoss(named: "brier")
    let abi2 = try second.makeLoss(named: "brier")
    var data = TestData(seed: 2)
    let logits = data.normal([6, 4])
    let targets = Targets(classIndices: data.labels(6, classes: 4, ignored: 0.2))
    let a = try abi1(logits, targets)
    let b = try abi2(logits, targets)
    #expect(isClose(a.value, b.value, relative: 1e-6, absolute: 1e-9))
    let difference = zip(a.gradients["logits"]!.scalars, b.gradients["logits"]!.scalars)
      .map { abs($0 - $1) }.max()!
    #expect(difference < 1e-6)
  }

  @Test("an ABI 1 plugin gets a 0/1 mask as ignored labels, and refuses sample weights")
  func abi1MaskAndWeights() throws {
    var registry = LossRegistry()
    try NativeLossPlugin.load(path: try PluginBuilder.brierV1(), into: &registry)
    let loss = try registry.makeLoss(named: "brier")
    var data = TestData(seed: 6)
    let logits = data.normal([4, 3])
    let masked = try loss(logits, Targets(classIndices: [0, 1, 2, 1], mask: [1, 0, 1, 1]))
    let ignored = try loss(logits, Targets(classIndices: [0, -100, 2, 1]))
    #expect(masked.value == ignored.value)
    #expect(masked.gradients["logits"] == ignored.gradients["logits"])
    #expect {
      try loss(logits, Targets(classIndices: [0, 1, 2, 1], sampleWeights: [1, 2, 1, 1]))
    } throws: { error in
      guard case .unsupportedTargets(let plugin, let name, _) = error as? NativePluginError else {
        return false
      }
      return plugin == "libbrier.so" && name == "brier"
    }
  }
}
