import Foundation
import LossKit
import LossKitTesting
import Testing

/// Builds C plugins with the system compiler for the tests.
enum PluginBuilder {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let header = repository.appendingPathComponent("Sources/CLossKitPlugin/include")

  static func build(source: URL, name: String) throws -> String {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("losskit-\(name)-\(UUID().uuidString).so")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["cc", "-shared", "-fPIC", "-O2", "-I", header.path, "-o", output.path, source.path, "-lm"]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    return output.path
  }

  static func build(code: String, name: String) throws -> String {
    let source = FileManager.default.temporaryDirectory.appendingPathComponent("losskit-\(name)-\(UUID().uuidString).c")
    try code.write(to: source, atomically: true, encoding: .utf8)
    return try build(source: source, name: name)
  }

  static var brier: String {
    get throws {
      try build(source: repository.appendingPathComponent("Examples/NativePlugin/plugin/brier.c"), name: "brier")
    }
  }
}

@Suite struct NativePluginTests {
  func brierReference(_ z: [Double], labels: [Int32], classes: Int, scale: Double = 1) -> Double {
    var total = 0.0
    var kept = 0.0
    for (row, label) in labels.enumerated() where label >= 0 {
      let line = Array(z[(row * classes)..<((row + 1) * classes)])
      let top = line.max()!
      let sum = line.map { exp($0 - top) }.reduce(0, +)
      for c in 0..<classes {
        let p = exp(line[c] - top) / sum
        let y = c == Int(label) ? 1.0 : 0
        total += (p - y) * (p - y)
      }
      kept += 1
    }
    return kept > 0 ? scale * total / kept : 0
  }

  @Test("the example C plugin loads, registers and matches its formula and finite differences")
  func brierPlugin() throws {
    var registry = LossRegistry.standard
    #expect(try NativeLossPlugin.load(path: try PluginBuilder.brier, into: &registry) == ["brier"])
    let loss = try registry.makeLoss(named: "brier", parameters: ["scale": .number(2)])
    var data = TestData(seed: 4)
    let logits = data.normal([9, 4])
    let labels = data.labels(9, classes: 4, ignored: 0.2)
    let result = try loss(logits, Targets(classIndices: labels))
    let z = logits.scalars.map(Double.init)
    #expect(isClose(result.value, brierReference(z, labels: labels, classes: 4, scale: 2), relative: 1e-6, absolute: 1e-9))
    let numeric = finiteDifferenceGradient(at: z) { brierReference($0, labels: labels, classes: 4, scale: 2) }
    #expect(mismatches(result.gradients["logits"]!.scalars.map(Double.init), numeric, relative: 1e-4, absolute: 1e-7).isEmpty)
    let spec = try LossSpec(0.5 * FocalLoss() + 0.5 * ((loss as? NativeLoss)!))
    #expect(try LossSpec(registry.makeLoss(from: spec)) == spec)
  }

  @Test("the plugin validates its parameters")
  func invalidParameters() throws {
    var registry = LossRegistry()
    try NativeLossPlugin.load(path: try PluginBuilder.brier, into: &registry)
    #expect(throws: LossKitError.self) { try registry.makeLoss(named: "brier", parameters: ["scale": .number(-1)]) }
  }

  @Test func missingFile() {
    var registry = LossRegistry()
    #expect(throws: NativePluginError.cannotOpen(path: "/nonexistent/libplugin.so", reason: "no such file")) {
      try NativeLossPlugin.load(path: "/nonexistent/libplugin.so", into: &registry)
    }
  }

  @Test func libraryWithoutEntryPoint() throws {
    let path = try PluginBuilder.build(code: "int not_a_plugin(void) { return 1; }\n", name: "empty")
    var registry = LossRegistry()
    #expect(throws: NativePluginError.missingEntryPoint(path: path, symbol: "losskit_plugin_abi_version")) {
      try NativeLossPlugin.load(path: path, into: &registry)
    }
  }

  @Test func abiMismatch() throws {
    let path = try PluginBuilder.build(code: """
      #include "losskit_plugin.h"
      int32_t losskit_plugin_abi_version(void) { return 99; }
      int losskit_plugin_register(const losskit_host *host) { (void)host; return 0; }
      """, name: "future")
    var registry = LossRegistry()
    #expect(throws: NativePluginError.abiMismatch(path: path, plugin: 99, host: 2)) {
      try NativeLossPlugin.load(path: path, into: &registry)
    }
  }

  @Test("a plugin name that is already registered is an error")
  func duplicateName() throws {
    var registry = LossRegistry()
    let path = try PluginBuilder.brier
    try NativeLossPlugin.load(path: path, into: &registry)
    #expect(throws: LossKitError.duplicateLossName("brier")) {
      try NativeLossPlugin.load(path: path, into: &registry)
    }
  }
}
