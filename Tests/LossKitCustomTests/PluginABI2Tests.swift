import Foundation
import LossKit
import LossKitTesting
import Testing

@Suite struct PluginABI2Tests {
  /// The probe plugin's formula (see Fixtures/probe_plugin.c).
  func probeReference(
    logits: [Double], embeddings: [Double], rows: Int, weights: [Double]
  ) -> Double {
    let classes = logits.count / rows
    let width = embeddings.count / rows
    var total = 0.0
    for row in 0..<rows {
      let sum = logits[(row * classes)..<((row + 1) * classes)].reduce(0, +)
      let square = embeddings[(row * width)..<((row + 1) * width)].map { $0 * $0 / 2 }.reduce(0, +)
      total += weights[row] * (sum + square)
    }
    return total / weights.reduce(0, +)
  }

  @Test(
    "an ABI 2 plugin reads logits and embeddings, sample weights, the mask and the sample shape")
  func namedOutputsWeightsMaskAndShape() throws {
    let path = try PluginBuilder.fixture("probe_plugin.c", fileName: "libprobe.so")
    var registry = LossRegistry()
    try NativeLossPlugin.load(path: path, into: &registry)
    let loss = try registry.makeLoss(named: "probe")
    #expect(loss.outputNames == ["logits", "embeddings"])
    var data = TestData(seed: 11)
    let logits = data.normal([2, 3, 4])
    let embeddings = data.normal([2, 3, 5])
    let weights = data.weights(6)
    let mask: [Float] = [1, 1, 0, 1, 1, 1]
    let targets = try Targets(
      classIndices: [0, 1, 2, 3, -100, 1], shape: [2, 3], sampleWeights: weights, mask: mask)
    let result = try loss(["logits": logits, "embeddings": embeddings], ["labels": targets])
    #expect(PluginBuilder.global("probe_sample_rank", in: path, as: Int32.self) == 2)
    #expect(
      PluginBuilder.global("probe_sample_shape", in: path, as: (Int64, Int64).self)! == (2, 3))
    #expect(PluginBuilder.global("probe_saw_weights", in: path, as: Int32.self) == 1)
    #expect(PluginBuilder.global("probe_saw_mask", in: path, as: Int32.self) == 1)
    let w = (0..<6).map { $0 == 4 ? 0 : Double(weights[$0] * mask[$0]) }
    let z = logits.scalars.map(Double.init)
    let e = embeddings.scalars.map(Double.init)
    #expect(
      isClose(
        result.value, probeReference(logits: z, embeddings: e, rows: 6, weights: w), relative: 1e-5,
        absolute: 1e-7))
    let numericLogits = finiteDifferenceGradient(at: z) {
      probeReference(logits: $0, embeddings: e, rows: 6, weights: w)
    }
    let numericEmbeddings = finiteDifferenceGradient(at: e) {
      probeReference(logits: z, embeddings: $0, rows: 6, weights: w)
    }
    let logitGradient = result.gradients["logits"]!.scalars.map(Double.init)
    let embeddingGradient = result.gradients["embeddings"]!.scalars.map(Double.init)
    #expect(mismatches(logitGradient, numericLogits, relative: 1e-4, absolute: 1e-6).isEmpty)
    #expect(
      mismatches(embeddingGradient, numericEmbeddings, relative: 1e-4, absolute: 1e-6).isEmpty)
  }

  @Test("a missing output names what the model produced")
  func missingOutput() throws {
    var registry = LossRegistry()
    try NativeLossPlugin.load(
      path: try PluginBuilder.fixture("probe_plugin.c", fileName: "libprobe.so"), into: &registry)
    let loss = try registry.makeLoss(named: "probe")
    #expect(
      throws: LossKitError.missingOutput(
        loss: "probe(embeddings)", name: "embeddings", available: ["logits"])
    ) {
      try loss(["logits": Tensor(shape: [2, 3])], ["labels": Targets(classIndices: [0, 1])])
    }
  }

  @Test("a plugin declares the oldest parameter version it reads")
  func minimumVersion() throws {
    let library = try NativeLossPlugin.open(
      path: try PluginBuilder.fixture("probe_plugin.c", fileName: "libprobe.so"))
    #expect(library.minimumVersions == ["probe": 2])
    var registry = LossRegistry()
    try library.register(into: &registry)
    let loss = try #require(try registry.makeLoss(named: "probe") as? NativeLoss)
    #expect(loss.registryVersion == 3)
    #expect(loss.minimumVersion == 2)
  }

  @Test("release runs once, when no registry entry or loss value holds the definition")
  func releaseHook() throws {
    let path = try PluginBuilder.fixture("probe_plugin.c", fileName: "libprobe.so")
    do {
      var registry = LossRegistry()
      try NativeLossPlugin.load(path: path, into: &registry)
      let loss = try registry.makeLoss(named: "probe")
      #expect(loss.registryName == "probe")
      #expect(PluginBuilder.global("probe_release_count", in: path, as: Int32.self) == 0)
    }
    #expect(PluginBuilder.global("probe_release_count", in: path, as: Int32.self) == 1)
  }

  @Test(
    "invalid ABI 2 definitions are refused with the reason",
    arguments: [
      (".output_count = 3, .outputs = NULL", "outputs"),
      (".minimum_version = 5", "minimum_version"),
      (".name = \"bad name\"", "letters"),
      (".default_parameters = \"[1]\"", "JSON object"),
    ])
  func invalidDefinitions(field: String, reason: String) throws {
    let code = """
      #include "losskit_plugin.h"
      static int evaluate(void *c, const char *p, const losskit_batch_v2 *b, double *v,
                          char *e, size_t n) { (void)c; (void)p; (void)b; (void)e; (void)n;
                          *v = 0; return 0; }
      static const losskit_loss_definition_v2 d = {
        .name = "x", .version = 2, .evaluate = evaluate, \(field) };
      int32_t losskit_plugin_abi_version(void) { return 2; }
      int losskit_plugin_register(const losskit_host *h) {
        return h->register_loss_v2(h->context, &d); }
      """
    let path = try PluginBuilder.build(code: code, fileName: "libinvalid.so")
    #expect {
      try NativeLossPlugin.open(path: path)
    } throws: { error in
      guard case .registrationFailed(_, let text) = error as? NativePluginError else {
        return false
      }
      return text.contains(reason)
    }
  }
}
