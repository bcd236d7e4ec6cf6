// Seed 004 in LossKit: a multi-aspect review classifier, one softmax head per aspect, trained
// with 0.7 × focal loss (averaged over the heads, each head's α from its balanced class
// weights) + 0.3 × supervised contrastive loss on the shared embedding, grouped by the
// overall sentiment. The trainer prints each part of the loss per epoch.
import LossKit

let aspects = ["battery", "camera", "screen"]
let phrases = [
  "battery": ["battery lasts all day", "battery drains fast", "battery is fine"],
  "camera": ["camera takes sharp photos", "camera is blurry", "camera is ok"],
  "screen": ["screen is bright", "screen cracked quickly", "screen is average"],
]
let sentiments = ["positive", "negative", "neutral"]

/// Synthetic reviews as a CSV table: unmentioned aspects are neutral (the common class),
/// negative opinions are rare.
func reviews(_ count: Int, seed: UInt64) -> CSVTable {
  var random = SeededGenerator(seed: seed)
  var records: [[String]] = []
  for _ in 0..<count {
    var parts: [String] = []
    var labels: [String] = []
    var score = 0
    for aspect in aspects {
      let draw = random.nextUnitFloat()
      let sentiment = draw < 0.25 ? 0 : (draw < 0.33 ? 1 : 2)
      if sentiment != 2 || random.nextUnitFloat() < 0.3 { parts.append(phrases[aspect]![sentiment]) }
      labels.append(sentiments[sentiment])
      score += sentiment == 0 ? 1 : (sentiment == 1 ? -1 : 0)
    }
    let overall = score > 0 ? "positive" : (score < 0 ? "negative" : "neutral")
    records.append([parts.joined(separator: ", ")] + labels + [overall])
  }
  return CSVTable(
    path: "reviews-\(seed)", header: ["review"] + aspects + ["overall"], records: records)
}

let training = LoadedData.tables([reviews(1_200, seed: 4)])
let test = LoadedData.tables([reviews(400, seed: 5)])
let heads = (aspects + ["overall"]).map { HeadSpecification(name: $0, view: .column($0)) }
let targets = try TargetDefinition.resolve(heads, from: training)
let pipeline = InputPipeline(featurizer: LineFeaturizer(buckets: 1 << 12), textColumn: "review")
let model = try MultilayerPerceptron(
  .init(
    input: pipeline.inputShape, heads: targets.map { HeadShape(name: $0.name, classes: $0.labels.count) },
    hiddenSize: 32, seed: 1))

// The composite, in code: focal per head (α from that head's counts), averaged, plus SupCon.
var focal = CompositeLoss()
for target in targets {
  focal = focal + (1.0 / Double(targets.count)) * (try FocalLoss(
    gamma: 2, strategy: .balanced, output: "logits_\(target.name)", target: target.name))
}
let loss = 0.7 * focal + 0.3 * (try SupervisedContrastiveLoss(temperature: 0.1, target: "overall"))
print("loss = \(loss)")

let trained = TrainedModel(
  model: model, loss: loss, optimizer: try Adam(.init(learningRate: 0.01)), targets: targets,
  pipeline: pipeline, trainer: .init(epochs: 8, batchSize: 64, seed: 4))
try trained.fit(try trained.corpus(training), observer: ProgressPrinter(style: .lines))
let reports = try trained.evaluate(try trained.corpus(test))
for target in targets {
  print("\(target.name): macro F1 " + String(format: "%.4f", reports[target.name]!.macroF1))
}
