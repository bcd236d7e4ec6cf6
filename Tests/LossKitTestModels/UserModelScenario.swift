import LossKit

/// The scenario of the user-model tests: synthetic pages with two named target sets (`kind`,
/// the collapsed label, and `long`, whether a line is longer than 40 characters), the tiny
/// user model over them, the registry that knows it, and its predictions.
public enum UserModelScenario {
  /// The standard registry plus the user's model and optimizer, one line each.
  public static func registry() throws -> Registry {
    var registry = Registry.standard
    try registry.register(TinyTagger.self)
    try registry.register(SignMomentum.self)
    return registry
  }

  /// The input pipeline.
  public static let pipeline = InputPipeline(featurizer: LineFeaturizer(buckets: 1 << 10))

  /// The two target sets.
  public static let targets = [
    TargetDefinition(name: "kind", view: .collapsed(.skol), labels: SyntheticPages.labelNames),
    TargetDefinition(name: "long", view: .all, labels: ["short", "long"]),
  ]

  /// Pages with both target sets.
  public static func corpus(seed: UInt64) throws -> LabeledCorpus {
    let pages = SyntheticPages(pages: 3, linesPerPage: 60, seed: seed).documents()
    let base = try LabeledCorpus(.annotated(pages), pipeline: pipeline, targets: [targets[0]])
    let long = pages.flatMap { $0.lines.map { Int32($0.text.count > 40 ? 1 : 0) } }
    return try LabeledCorpus(
      documents: base.documents, features: base.features,
      targets: base.targets + [.init(name: "long", labelNames: targets[1].labels, labels: long)])
  }

  /// Every head's calibrated probabilities on the test pages, concatenated in target order.
  public static func predictions(_ trained: TrainedModel) throws -> [Float] {
    let probabilities = try trained.probabilities(try corpus(seed: 8))
    return targets.flatMap { probabilities[$0.name]!.scalars }
  }
}
