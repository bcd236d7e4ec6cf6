import Foundation
import LossKitCore
import LossKitData
import LossKitTraining

extension ModelManifest {
  /// A readable summary: model, heads with their labels, features, the loss tree with every
  /// parameter, the optimizer, training and metrics. Deterministic, so two processes print
  /// the same text.
  public var summary: String {
    var lines: [String] = []
    let component = model.component
    lines.append(
      "Model: \(component.kind) v\(component.version) (\(model.parameterCount) parameters)")
    if let object = component.configuration.objectValue {
      for key in object.keys.sorted() where key != "heads" {
        lines.append("  \(key): \(object[key]!.compactText)")
      }
    }
    lines.append(targets.count == 1 ? "Head:" : "Heads:")
    for target in targets {
      lines.append(
        "  \(target.name) (\(Self.describe(target.view)), \(target.labels.count) classes): "
          + target.labels.joined(separator: ", "))
    }
    lines.append("Features: " + pipelineSummary)
    if let loss {
      lines.append("Loss:")
      lines += Self.lossTree(loss, weight: nil, indent: "  ")
    } else {
      lines.append("Loss: none saved")
    }
    if training.lossHistory.count > 1 {
      for period in training.lossHistory {
        lines.append("  epochs \(period.firstEpoch)–\(period.lastEpoch): \(period.loss.name)")
      }
    }
    if let optimizer {
      lines.append(
        "Optimizer: \(optimizer.kind) v\(optimizer.version), \(optimizer.stepCount) steps, "
          + optimizer.configuration.compactText)
    } else {
      lines.append("Optimizer: none saved (inference only)")
    }
    var trained = "Trained: \(training.epochsTrained) epochs"
    if let best = training.best { trained += ", best epoch \(best.epoch) (\(best.monitor))" }
    if let reason = training.history.stoppedEarly { trained += ", stopped early (\(reason))" }
    lines.append(trained)
    if let last = training.history.epochs.last {
      lines.append(
        String(
          format: "  last epoch: loss %.4f, %.0f s, %.0f rows/s", last.loss, last.seconds,
          last.rowsPerSecond))
    }
    for split in metrics.keys.sorted() {
      let values = metrics[split]!
      let keys = values.keys.filter { $0.hasSuffix("macro_f1") || $0.hasSuffix("_f1") }.sorted()
      lines.append(
        "Metrics (\(split)): "
          + keys.map { "\($0) " + String(format: "%.4f", values[$0]!) }.joined(separator: ", "))
    }
    for target in calibration.keys.sorted() {
      lines.append(
        String(
          format: "Calibration (%@): temperature %.4f", target, calibration[target]!.temperature))
    }
    return lines.joined(separator: "\n")
  }

  /// The input pipeline in one line.
  var pipelineSummary: String {
    var parts: [String] = []
    if let featurizer = pipeline.featurizer {
      let words = "\(featurizer.wordNgrams.lowerBound)…\(featurizer.wordNgrams.upperBound)"
      let characters =
        "\(featurizer.characterNgrams.lowerBound)…\(featurizer.characterNgrams.upperBound)"
      var text =
        "hashed text (\(featurizer.buckets) buckets, word n-grams \(words), character n-grams "
        + "\(characters)"
        + (featurizer.folding ? ", case- and diacritic-folded" : "")
        + (featurizer.shapeNgrams > 0 ? ", token-shape n-grams 1…\(featurizer.shapeNgrams)" : "")
        + ")"
      if featurizer.layout { text += ", \(LineFeaturizer.layoutNames.count) layout features" }
      if featurizer.patterns { text += ", \(LinePatterns.names.count) nomenclature patterns" }
      if let column = pipeline.textColumn { text += " of column '\(column)'" }
      parts.append(text)
    }
    if !pipeline.numericColumns.isEmpty {
      parts.append("\(pipeline.numericColumns.count) numeric columns")
    }
    if let windows = pipeline.windows {
      parts.append(
        "windows of \(windows.size) lines, prediction stride \(windows.predictionStride)")
    }
    return parts.joined(separator: "; ")
  }

  /// A view as the command line writes it.
  static func describe(_ view: LabelView) -> String {
    switch view {
    case .collapsed(let rule): return rule == .skol ? "collapsed" : "collapsed by rule"
    case .frequent(let minimum, let other): return "fine: ≥ \(minimum) lines, else \(other)"
    case .all: return "all labels"
    case .column(let name): return "column '\(name)'"
    }
  }

  /// The loss as an indented tree, composites expanded.
  static func lossTree(_ spec: LossSpec, weight: Double?, indent: String) -> [String] {
    let prefix = weight.map { "\(indent)\($0) × " } ?? indent
    if spec.name == CompositeLoss.name, let terms = spec.parameters["terms"]?.arrayValue {
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
