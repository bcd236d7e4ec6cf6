import Dispatch
import Foundation
import LossKit

/// `losskit-bench --training`: one epoch of the seed's BiLSTM line tagger on the SKOL training
/// split, timed apart from reading and featurizing the pages.
///
/// The architecture is the seed's PyTorch one, built through the framework: hashed word 1-2
/// and character 2-4 grams (plus LossKit's word shapes, a few per line, which the featurizer
/// always adds) into 131072 buckets, no dense layout or pattern features, a line embedding of
/// 128 (an embedding bag with tanh), two bidirectional LSTM layers of 128, dropout 0.3, one
/// linear head over the three collapsed classes, windows of 15 lines, batches of 32 windows,
/// cross-entropy, Adam with learning rate 0.001 and gradient clipping at norm 5.
/// `Benchmarks/pytorch_training.py` trains the same model in PyTorch.
struct TrainingBenchmark {
  /// Files, folders or globs to train on; empty means the SKOL training split.
  var data: [String]
  /// Epochs to time.
  var epochs: Int
  /// Keep only the first lines of the data (for profiling on a subset), or all.
  var maxLines: Int?
  /// Print machine-readable JSON.
  var json: Bool

  /// The SKOL training split under `root` (docs/benchmarks.md, "Training speed").
  static func skolTrainingSplit(root: String) -> [String] {
    [
      "\(root)/Mycotaxon/Vol05*", "\(root)/Mycotaxon/Vol117", "\(root)/Mycotaxon/Vol118",
      "\(root)/Mycologia",
    ]
  }

  /// The options of the seed's recipe.
  static func configuration(epochs: Int) -> LineClassifierConfiguration {
    var options = LineClassifierConfiguration()
    options.model = "bilstm"
    options.featurizer = LineFeaturizer(
      buckets: 131_072, wordNgrams: 1...2, characterNgrams: 2...4, layout: false,
      folding: false, shapeNgrams: 0, patterns: false)
    options.modelOptions = [
      "embeddingSize": 128, "hiddenSize": 128, "numLayers": 2, "dropout": 0.3,
    ]
    options.windowSize = 15
    options.loss = LossConfiguration(expression: "cross-entropy")
    options.optimizer = "adam"
    options.optimizerOptions = ["learningRate": 0.001]
    options.trainer.epochs = epochs
    options.trainer.batchSize = 32
    options.trainer.patience = nil
    options.trainer.restoreBestWeights = false
    options.validationFraction = 0
    return options
  }

  /// Runs the benchmark; returns normally with a message when the data is absent.
  func run() throws {
    let patterns: [String]
    if data.isEmpty {
      let environment = ProcessInfo.processInfo.environment
      let candidates = [environment["SKOL_DATA"], "../shared/data/skol"].compactMap { $0 }
      guard let root = candidates.first(where: { FileManager.default.fileExists(atPath: $0) })
      else {
        print(
          "skipped: --training needs the SKOL pages (not part of this repository); set "
            + "SKOL_DATA or pass --data. Looked in: \(candidates.joined(separator: ", "))")
        return
      }
      patterns = Self.skolTrainingSplit(root: root)
    } else {
      patterns = data
    }
    let readStart = DispatchTime.now().uptimeNanoseconds
    var loaded = try LoadedData.load(patterns)
    if let maxLines, case .annotated(let documents) = loaded {
      loaded = .annotated(Self.prefix(documents, lines: maxLines))
    }
    let readSeconds = Self.seconds(since: readStart)
    let classifier = try LineClassifier(Self.configuration(epochs: epochs), registry: .standard)
    let model = try classifier.build(for: loaded)
    let featurizeStart = DispatchTime.now().uptimeNanoseconds
    let corpus = try model.corpus(loaded)
    let featurizeSeconds = Self.seconds(since: featurizeStart)
    let trainStart = DispatchTime.now().uptimeNanoseconds
    let history = try model.fit(corpus, validation: nil, observer: nil)
    let trainSeconds = Self.seconds(since: trainStart)
    let lines = corpus.rowCount * epochs
    let rate = Double(lines) / trainSeconds
    let losses = history.epochs.map(\.loss)
    if json {
      let record: [String: Any] = [
        "id": "training_bilstm", "lines": corpus.rowCount, "epochs": epochs,
        "train_seconds": trainSeconds, "lines_per_s": rate, "featurize_seconds": featurizeSeconds,
        "read_seconds": readSeconds, "losses": losses,
        "baseline": ProcessInfo.processInfo.environment["LOSSKIT_CPU"] == "baseline",
      ]
      let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
      return
    }
    print(
      "training: BiLSTM 2×128, window 15, batch 32, Adam 1e-3, 131072 buckets; "
        + "\(corpus.rowCount) lines, \(epochs) epoch\(epochs == 1 ? "" : "s")")
    print(
      String(
        format: "read %.2f s, featurize %.2f s (not timed below)", readSeconds, featurizeSeconds))
    print(
      String(format: "train %.2f s: %.0f lines/s", trainSeconds, rate)
        + "; loss per epoch: " + losses.map { String(format: "%.6f", $0) }.joined(separator: ", "))
  }

  /// The documents cut to their first `lines` lines in total.
  static func prefix(_ documents: [AnnotatedDocument], lines: Int) -> [AnnotatedDocument] {
    var left = lines
    var kept: [AnnotatedDocument] = []
    for var document in documents where left > 0 {
      document.lines = Array(document.lines.prefix(left))
      left -= document.lines.count
      kept.append(document)
    }
    return kept
  }

  static func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }
}
