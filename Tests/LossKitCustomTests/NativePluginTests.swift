import Foundation
import LossKit
import LossKitTesting
import Testing

/// The weighted multi-class Brier score the example plugin computes.
func brierReference(
  _ z: [Double], labels: [Int32], classes: Int, weights: [Float]? = nil, scale: Double = 1
) -> Double {
  var total = 0.0
  var kept = 0.0
  for (row, label) in labels.enumerated() where label >= 0 {
    let w = Double(weights?[row] ?? 1)
    let line = Array(z[(row * classes)..<((row + 1) * classes)])
    let top = line.max()!
    let sum = line.map { exp($0 - top) }.reduce(0, +)
    for c in 0..<classes {
      let p = exp(line[c] - top) / sum
      let y = c == Int(label) ? 1.0 : 0
      total += w * (p - y) * (p - y)
    }
    kept += w
  }
  return kept > 0 ? scale * total / kept : 0
}

@Suite struct NativePluginTests {
  @Test("the example C plugin loads, registers and matches its formula and finite differences")
  func brierPlugin() throws {
    var registry = LossRegistry.standard
    #expect(
      try NativeLossPlugin.load(path: try PluginBuilder.brier(), into: &registry) == ["brier"])
    let loss = try registry.makeLoss(named: "brier", parameters: ["scale": .number(2)])
    var data = TestData(seed: 4)
    let logits = data.normal([9, 4])
    let labels = data.labels(9, classes: 4, ignored: 0.2)
    let result = try loss(logits, Targets(classIndices: labels))
    let z = logits.scalars.map(Double.init)
    let expected = brierReference(z, labels: labels, classes: 4, scale: 2)
    #expect(isClose(result.value, expected, relative: 1e-6, absolute: 1e-9))
    let numeric = finiteDifferenceGradient(at: z) {
      brierReference($0, labels: labels, classes: 4, scale: 2)
    }
    let gradient = result.gradients["logits"]!.scalars.map(Double.init)
    #expect(mismatches(gradient, numeric, relative: 1e-4, absolute: 1e-7).isEmpty)
    let spec = try LossSpec(0.5 * FocalLoss() + 0.5 * ((loss as? NativeLoss)!))
    #expect(try LossSpec(registry.makeLoss(from: spec)) == spec)
  }

  @Test("a plugin reading sample weights gets them, and its gradient matches finite differences")
  func sampleWeightsReachThePlugin() throws {
    var registry = LossRegistry()
    try NativeLossPlugin.load(path: try PluginBuilder.brier(), into: &registry)
    let loss = try registry.makeLoss(named: "brier")
    var data = TestData(seed: 8)
    let logits = data.normal([7, 3])
    let labels = data.labels(7, classes: 3, ignored: 0.15)
    let weights = data.weights(7)
    let result = try loss(logits, Targets(classIndices: labels, sampleWeights: weights))
    let z = logits.scalars.map(Double.init)
    let weighted = brierReference(z, labels: labels, classes: 3, weights: weights)
    #expect(isClose(result.value, weighted, relative: 1e-6, absolute: 1e-9))
    #expect(
      !isClose(weighted, brierReference(z, labels: labels, classes: 3), relative: 1e-3, absolute: 0)
    )
    let numeric = finiteDifferenceGradient(at: z) {
      brierReference($0, labels: labels, classes: 3, weights: weights)
    }
    let gradient = result.gradients["logits"]!.scalars.map(Double.init)
    #expect(mismatches(gradient, numeric, relative: 1e-4, absolute: 1e-7).isEmpty)
  }

  @Test("a loaded plugin reports its file name, SHA-256 and ABI version")
  func provenance() throws {
    let path = try PluginBuilder.brier()
    let library = try NativeLossPlugin.open(path: path)
    #expect(library.path == path)
    #expect(library.provenance.kind == .plugin)
    #expect(library.provenance.library == "libbrier.so")
    #expect(library.provenance.abiVersion == 2)
    #expect(library.provenance.sha256 == (try SHA256Digest(contentsOfFile: path)).hex)
    var registry = LossRegistry()
    try library.register(into: &registry)
    let loss = try #require(try registry.makeLoss(named: "brier") as? NativeLoss)
    #expect(loss.provenance == library.provenance)
    #expect(loss.libraryPath == path)
  }

  @Test("the plugin validates its parameters")
  func invalidParameters() throws {
    var registry = LossRegistry()
    try NativeLossPlugin.load(path: try PluginBuilder.brier(), into: &registry)
    #expect(throws: LossKitError.self) {
      try registry.makeLoss(named: "brier", parameters: ["scale": .number(-1)])
    }
  }

  @Test func missingFile() {
    var registry = LossRegistry()
    #expect(
      throws: NativePluginError.cannotOpen(
        path: "/nonexistent/libplugin.so", reason: "no such file")
    ) {
      try NativeLossPlugin.load(path: "/nonexistent/libplugin.so", into: &registry)
    }
  }

  @Test func libraryWithoutEntryPoint() throws {
    let path = try PluginBuilder.build(
      code: "int not_a_plugin(void) { return 1; }\n", fileName: "libempty.so")
    var registry = LossRegistry()
    #expect(
      throws: NativePluginError.missingEntryPoint(path: path, symbol: "losskit_plugin_abi_version")
    ) {
      try NativeLossPlugin.load(path: path, into: &registry)
    }
  }

  @Test func abiMismatch() throws {
    let path = try PluginBuilder.build(
      code: """
        #include "losskit_plugin.h"
        int32_t losskit_plugin_abi_version(void) { return 99; }
        int losskit_plugin_register(const losskit_host *host) { (void)host; return 0; }
        """, fileName: "libfuture.so")
    var registry = LossRegistry()
    #expect(throws: NativePluginError.abiMismatch(path: path, plugin: 99, host: 2)) {
      try NativeLossPlugin.load(path: path, into: &registry)
    }
  }

  @Test("a plugin name that is already registered is an error, and nothing is registered")
  func duplicateName() throws {
    var registry = LossRegistry()
    let path = try PluginBuilder.brier()
    try NativeLossPlugin.load(path: path, into: &registry)
    #expect(throws: LossKitError.duplicateName(.loss, "brier")) {
      try NativeLossPlugin.load(path: path, into: &registry)
    }
  }
}
