import Foundation
import LossKitCore

extension ModelManifest {
  /// A readable summary: model, labels, features, the loss tree with every parameter, the
  /// optimizer, training and metrics. Deterministic, so two processes print the same text.
  public var summary: String {
    var lines: [String] = []
    lines.append("Model: \(model.kind) (\(model.parameterCount) parameters)")
    if let object = model.hyperparameters.objectValue {
      for key in object.keys.sorted() where key != "shape" {
        lines.append("  \(key): \(object[key]!.compactText)")
      }
      if let shape = object["shape"] { lines.append("  shape: \(shape.compactText)") }
    }
    lines.append("Labels: \(labels.joined(separator: ", "))")
    if let featurizer {
      lines.append(
        "Features: hashed text, \(featurizer.buckets) buckets, word n-grams "
          + "\(featurizer.wordNgrams.lowerBound)…\(featurizer.wordNgrams.upperBound), character n-grams "
          + "\(featurizer.characterNgrams.lowerBound)…\(featurizer.characterNgrams.upperBound)"
          + (featurizer.layout ? ", \(featurizer.denseWidth) layout features" : ""))
    } else {
      lines.append("Features: numeric columns")
    }
    if let loss {
      lines.append("Loss:")
      lines += Self.lossTree(loss, weight: nil, indent: "  ")
    } else {
      lines.append("Loss: none saved")
    }
    if let optimizer {
      lines.append("Optimizer: \(optimizer.kind), \(optimizer.stepCount) steps, \(optimizer.hyperparameters.compactText)")
    }
    var trained = "Trained: \(epochsTrained) epochs"
    if let best = history.bestEpoch { trained += ", best epoch \(best)" }
    if let reason = history.stoppedEarly { trained += ", stopped early (\(reason))" }
    lines.append(trained)
    if let last = history.epochs.last {
      lines.append(String(format: "  last epoch: loss %.4f, %.0f s, %.0f rows/s", last.loss, last.seconds, last.rowsPerSecond))
    }
    for split in metrics.keys.sorted() {
      let values = metrics[split]!
      let keys = values.keys.filter { $0 == "macro_f1" || $0 == "accuracy" || $0.hasSuffix("_f1") }.sorted()
      lines.append("Metrics (\(split)): " + keys.map { "\($0) " + String(format: "%.4f", values[$0]!) }.joined(separator: ", "))
    }
    if let calibration {
      lines.append(String(format: "Calibration: temperature %.4f (fitted on validation data)", calibration.temperature))
    }
    return lines.joined(separator: "\n")
  }

  /// The loss as an indented tree, composites expanded.
  static func lossTree(_ spec: LossSpec, weight: Double?, indent: String) -> [String] {
    let prefix = weight.map { "\(indent)\($0) × " } ?? indent
    if spec.name == "composite", let terms = spec.parameters["terms"]?.arrayValue {
      var lines = ["\(prefix)composite (v\(spec.version))"]
      for term in terms {
        guard let nested = try? term["loss"]?.decode(LossSpec.self) else { continue }
        lines += lossTree(nested, weight: term["weight"]?.numberValue, indent: indent + "  ")
      }
      return lines
    }
    return ["\(prefix)\(spec.name) (v\(spec.version)) \(spec.parameters.compactText)"]
  }
}
