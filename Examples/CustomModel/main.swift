// A model type defined here, outside LossKit, registered in one line, trained with a composite
// loss by the line-classifier recipe, saved by name, and reloaded by name in a fresh process
// that must predict exactly the same probabilities (the program exits 1 if anything differs).
import Foundation
import LossKit

/// Two tanh layers over the hashed and layout features of a line, then one linear layer per
/// head. `embeddings` is the second layer's output, which the contrastive term reads.
final class DeepTagger: Model {
  static let name = "deep-tagger"
  static let version = 1
  static let summary = "two tanh layers and a linear head per target (the CustomModel example)"

  struct Configuration: Codable, Sendable {
    var input: InputShape
    var heads: [HeadShape]
    var width = 32
    var seed: UInt64 = 0
  }

  let configuration: Configuration
  let encoder: LineEncoder
  let hidden: Dense
  let heads: [Dense]
  var random: SeededGenerator

  init(_ configuration: Configuration) throws {
    guard (1...4096).contains(configuration.width), !configuration.heads.isEmpty else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "width/heads", reason: "width must be 1…4096, with a head")
    }
    self.configuration = configuration
    var random = SeededGenerator(seed: configuration.seed)
    encoder = LineEncoder(
      name: "encoder", buckets: configuration.input.buckets,
      denseWidth: configuration.input.denseWidth, width: configuration.width, activation: .tanh,
      random: &random)
    hidden = Dense(
      name: "hidden", inputSize: configuration.width, outputSize: configuration.width,
      activation: .tanh, random: &random)
    heads = configuration.heads.map {
      Dense(name: "head.\($0.name)", inputSize: configuration.width, outputSize: $0.classes, random: &random)
    }
    self.random = random
  }

  var parameters: [Parameter] { encoder.parameters + hidden.parameters + heads.flatMap(\.parameters) }
  var outputNames: [String] { configuration.heads.map { "logits_\($0.name)" } + ["embeddings"] }

  func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor] {
    let rows = batch.rowCount
    let embedding = hidden.forward(try encoder.forward(batch, training: training), rows: rows, training: training)
    var outputs = ["embeddings": embedding]
    for (shape, head) in zip(configuration.heads, heads) {
      outputs["logits_\(shape.name)"] = head.forward(embedding, rows: rows, training: training)
    }
    return outputs
  }

  func backward(_ outputGradients: [String: Tensor]) throws {
    var slope = outputGradients["embeddings"]?.scalars
    var rows = outputGradients["embeddings"]?.flatRowCount ?? 0
    for (shape, head) in zip(configuration.heads, heads) {
      guard let gradient = outputGradients["logits_\(shape.name)"] else { continue }
      rows = gradient.flatRowCount
      let part = head.backward(gradient, rows: rows).scalars
      slope = slope.map { zip($0, part).map(+) } ?? part
    }
    guard let slope else { return }
    let dEmbedding = try Tensor(shape: [rows, configuration.width], scalars: slope)
    encoder.backward(hidden.backward(dEmbedding, rows: rows), rows: rows)
  }
}

var registry = Registry.standard
try registry.register(DeepTagger.self)  // one line: the kind now trains, saves and reloads by name

let arguments = CommandLine.arguments
let store = DirectoryStore(
  directory: FileManager.default.temporaryDirectory.appendingPathComponent("losskit-custom-model"))
let name = "deep-tagger-example"
let page = SyntheticPages(pages: 2, linesPerPage: 120, seed: 7).documents()

/// Every probability of the reloaded or trained model on the page, as bit patterns.
func fingerprint(_ trained: TrainedModel) throws -> String {
  let probabilities = try trained.probabilities(try trained.corpus(.annotated(page), labelled: false))
  return probabilities["labels"]!.scalars.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
}

if arguments.count == 2, arguments[1] == "--reload" {
  // The fresh process: only the name and the registration are needed.
  print(try fingerprint(try store.load(named: name, registry: registry, for: .inference)))
  exit(0)
}

var options = LineClassifierConfiguration()
options.model = "deep-tagger"
options.modelOptions = ["width": 24]
options.featurizer = LineFeaturizer(buckets: 1 << 12)
options.trainer.epochs = 4
options.optimizerOptions = ["learningRate": 0.01]
options.loss = LossConfiguration(expression: "0.7*focal(gamma=2)+0.3*supcon(temperature=0.2)")
let classifier = try LineClassifier(options, registry: registry)
let result = try classifier.fit(
  training: SyntheticPages(pages: 12, linesPerPage: 200, seed: 1).documents(),
  test: SyntheticPages(pages: 4, linesPerPage: 200, seed: 2).documents(),
  observer: ProgressPrinter(style: .lines))
print(String(format: "Test macro F1 %.4f", result.testStatistics["macro_f1"]!))
let trained = classifier.trained!
try store.save(trained, named: name)
print("Saved '\(name)' in \(store.location)")
fflush(nil)

let child = Process()
child.executableURL = URL(fileURLWithPath: arguments[0])
child.arguments = ["--reload"]
let pipe = Pipe()
child.standardOutput = pipe
try child.run()
let reloaded = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
child.waitUntilExit()
guard child.terminationStatus == 0, reloaded.trimmingCharacters(in: .newlines) == (try fingerprint(trained)) else {
  print("The reloaded model predicts differently")
  exit(1)
}
print("Reloaded by name in a fresh process: the same \(page.reduce(0) { $0 + $1.lines.count } * 3) probabilities, bit for bit")
