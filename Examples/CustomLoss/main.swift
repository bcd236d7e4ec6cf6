// Your own loss in LossKit: a Swift type, registered in one line, used in a loss
// expression, saved with the model by name, and found again when the model is reloaded.
import Foundation
import LossKit

/// Squared hinge on the true class's margin over the best other class:
/// mean max(0, margin − (z_y − max_{c≠y} z_c))².
struct SquaredHingeLoss: Loss, Equatable {
  static let name = "squared-hinge"
  static let version = 1
  static let summary = "mean max(0, margin − (z_y − max other z))²"
  var margin = 1.0
  var outputNames: Set<String> { ["logits"] }
  var targetNames: Set<String> { ["labels"] }

  func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    let logits = try output("logits", in: outputs)
    let labels = try self.targets("labels", in: targets).classIndices ?? []
    let classes = logits.lastDimension
    let z = logits.scalars
    let kept = max(labels.filter { $0 >= 0 }.count, 1)
    var total = 0.0
    gradients.write("logits", shape: logits.shape) { gradient, accumulate in
      if !accumulate { gradient.update(repeating: 0) }
      for (row, label) in labels.enumerated() where label >= 0 {
        let y = row * classes + Int(label)
        let rival = (row * classes..<(row + 1) * classes).filter { $0 != y }.max { z[$0] < z[$1] }!
        let slack = margin - Double(z[y] - z[rival])
        guard slack > 0 else { continue }
        total += slack * slack
        let slope = Float(2 * slack) * scale / Float(kept)
        gradient[rival] += slope
        gradient[y] -= slope
      }
    }
    return LossValue(total / Double(kept))
  }
}

var registry = Registry.standard
try registry.register(SquaredHingeLoss.self)                 // one line

var options = LineClassifierConfiguration()
options.model = "mlp"
options.trainer.epochs = 3
options.modelOptions = ["hiddenSize": 32]
options.featurizer.buckets = 1 << 14
options.loss = LossConfiguration(expression: "0.5*focal+0.5*squared-hinge")  // with a built-in
let classifier = try LineClassifier(options, registry: registry)
let result = try classifier.fit(
  training: SyntheticPages(pages: 12, linesPerPage: 200, seed: 1).documents(),
  test: SyntheticPages(pages: 6, linesPerPage: 200, seed: 2).documents(),
  observer: ProgressPrinter(style: .lines))
print(String(format: "Test macro F1 %.4f with loss %@", result.testStatistics["macro_f1"]!, "\(classifier.trained!.loss)"))

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custom-loss-model")
try SavedModel.save(classifier.trained!, to: folder)
print("Saved; the manifest names the loss:", try SavedModel.manifest(at: folder).loss!.parameters.compactText)
let reloaded = try SavedModel.load(from: folder, registry: registry, for: .training)
print("Reloaded with its loss:", reloaded.loss)
do {
  _ = try SavedModel.load(from: folder, registry: .standard, for: .training)
} catch {
  print("Without the registration, loading for training explains what to do:\n  \(error)")
}
let frozen = try SavedModel.load(from: folder, registry: .standard, for: .inference)
print("Loading for inference needs no loss at all:", frozen.targets[0].labels)
try? FileManager.default.removeItem(at: folder)
