// Seed 004 in LossKit: a multi-aspect sentiment classifier trained with
// 0.7 × focal loss (one softmax head per aspect, averaged) + 0.3 × supervised contrastive
// loss on a shared embedding, printing each part of the loss per epoch.
import LossKit

let aspects = ["battery", "camera", "screen"]
let sentiments = ["positive", "negative", "neutral"]
let phrases = [
  "battery": ["battery lasts all day", "battery drains fast", "battery is fine"],
  "camera": ["camera takes sharp photos", "camera is blurry", "camera is ok"],
  "screen": ["screen is bright", "screen cracked quickly", "screen is average"],
]

// Synthetic reviews: each mentions some aspects; unmentioned aspects are neutral (the common
// class), negative opinions are rare.
var random = SeededGenerator(seed: 4)
var texts: [String] = []
var labels: [String: [Int32]] = Dictionary(uniqueKeysWithValues: aspects.map { ($0, []) })
var overall: [Int32] = []
for _ in 0..<1_200 {
  var parts: [String] = []
  var score = 0
  for aspect in aspects {
    let draw = random.nextUnitFloat()
    let sentiment: Int32 = draw < 0.25 ? 0 : (draw < 0.33 ? 1 : 2)
    if sentiment != 2 || random.nextUnitFloat() < 0.3 { parts.append(phrases[aspect]![Int(sentiment)]) }
    labels[aspect]!.append(sentiment)
    score += sentiment == 0 ? 1 : (sentiment == 1 ? -1 : 0)
  }
  texts.append(parts.joined(separator: ", "))
  overall.append(score > 0 ? 0 : (score < 0 ? 1 : 2))
}

let featurizer = LineFeaturizer(buckets: 1 << 12)
let features = featurizer.featurize(texts)
let model = MultiHeadClassifier(.init(
  buckets: featurizer.buckets, denseWidth: featurizer.denseWidth,
  heads: aspects.map { .init(name: $0, classes: 3) }, hiddenSize: 32, embeddingSize: 16, seed: 1))

// Class weights per aspect as focal α (seed 004), then the composite loss.
var focalTerms = CompositeLoss()
for aspect in aspects {
  let counts = (0..<3).map { c in labels[aspect]!.filter { $0 == c }.count }
  let alpha = try ClassWeightStrategy.balanced.weights(forCounts: counts)
  focalTerms = focalTerms + (1.0 / Double(aspects.count)) * (try FocalLoss(
    gamma: 2, alpha: alpha, output: "logits_\(aspect)", target: aspect))
}
let loss = 0.7 * focalTerms + 0.3 * (try SupervisedContrastiveLoss(temperature: 0.1, target: "overall"))
let optimizer = try Adam(.init(learningRate: 0.01))
var gradients = GradientBuffers()

print("loss = \(loss)")
for epoch in 1...8 {
  var order = Array(0..<texts.count)
  order.shuffle(using: &random)
  var totals: [String: Double] = [:]
  var batches = 0
  for start in stride(from: 0, to: order.count, by: 64) {
    let rows = Array(order[start..<min(order.count, start + 64)])
    let batch = FeatureBatch(
      rowCount: rows.count,
      dense: try Tensor(shape: [rows.count, featurizer.denseWidth], scalars: rows.flatMap {
        features.dense.scalars[($0 * featurizer.denseWidth)..<(($0 + 1) * featurizer.denseWidth)] }),
      sparse: SparseRows(
        width: featurizer.buckets,
        offsets: rows.reduce(into: [0]) { $0.append($0.last! + features.sparse.offsets[$1 + 1] - features.sparse.offsets[$1]) },
        indices: rows.flatMap { features.sparse.indices[features.sparse.offsets[$0]..<features.sparse.offsets[$0 + 1]] },
        values: rows.flatMap { features.sparse.values[features.sparse.offsets[$0]..<features.sparse.offsets[$0 + 1]] }))
    var targets = Dictionary(uniqueKeysWithValues: aspects.map { aspect in
      (aspect, Targets(classIndices: rows.map { labels[aspect]![$0] }))
    })
    targets["overall"] = Targets(classIndices: rows.map { overall[$0] })
    let outputs = try model.forward(batch, training: true)
    gradients.reset()
    let value = try loss.evaluate(outputs, targets, scale: 1, gradients: &gradients)
    model.zeroGradients()
    try model.backward(gradients.written)
    optimizer.step(model.parameters)
    totals["loss", default: 0] += value.value
    for part in value.parts { totals[part.name, default: 0] += part.value }
    batches += 1
  }
  let names = ["loss"] + totals.keys.filter { $0 != "loss" }.sorted()
  print("Epoch \(epoch): " + names.map { "\($0)=" + String(format: "%.4f", totals[$0]! / Double(batches)) }.joined(separator: " "))
}
