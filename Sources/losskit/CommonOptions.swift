import ArgumentParser
import Foundation
import LossKit

/// Where the data comes from.
struct DataOptions: ParsableArguments {
  @Option(name: .long, help: "Training data: .ann or .csv files, directories or globs (repeatable).")
  var data: [String] = []

  @Option(name: .long, help: "Validation data for early stopping and calibration (repeatable). (default: 10% of the training documents)")
  var validation: [String] = []

  @Option(name: .long, help: "Test data to report on after training (repeatable).")
  var test: [String] = []

  @Option(name: .long, help: "The label column of CSV files for a single head. (default: 'label', else the last column)")
  var labelColumn: String?

  @Option(name: .long, help: "A CSV column featurized as text, like a page's lines.")
  var textColumn: String?

  /// Loads files, or `nil` for none.
  static func load(_ patterns: [String]) throws -> LoadedData? {
    patterns.isEmpty ? nil : try LoadedData.load(patterns)
  }
}

/// The model: its kind, heads, and the options its configuration owns.
struct ModelOptions: ParsableArguments {
  @Option(name: .long, help: "Model kind (see `losskit kinds`).")
  var model: Setting<String> = .defaulting(to: LineClassifierConfiguration().model)

  @Option(name: .long, help: ArgumentHelp(
    "A classification head NAME=VIEW (repeatable): for .ann pages VIEW is collapsed (Nomenclature/Description/Misc), fine (labels with at least --min-label-lines training lines, the rest Misc) or all; for CSV a label column.",
    valueName: "name=view"))
  var head: [String] = []

  @Option(name: .long, help: "Training lines a label needs to keep its name in a 'fine' head.")
  var minLabelLines: Int = LabelView.defaultMinimumLines

  @Option(name: .long, help: "Lines per window of a sequence model.")
  var windowSize: Setting<Int> = .defaulting(to: 15)

  @Option(name: .long, help: "Lines between prediction windows.")
  var predictionStride: Setting<Int> = .unset(description: "half a window")

  @Option(name: .long, help: "The model's hidden width (LSTM state per direction for bilstm).")
  var hiddenSize: Setting<Int> = .defaulting(to: BiLSTMTagger.defaultConfiguration!.hiddenSize)

  @Option(name: .long, help: "Width of a line's encoding for bilstm.")
  var embeddingSize: Setting<Int> = .defaulting(to: BiLSTMTagger.defaultConfiguration!.embeddingSize)

  @Option(name: .long, help: "Stacked bilstm layers.")
  var numLayers: Setting<Int> = .defaulting(to: BiLSTMTagger.defaultConfiguration!.numLayers)

  @Option(name: .long, help: "Dropout rate.")
  var dropout: Setting<Float> = .unset(
    description: "the kind's: bilstm \(BiLSTMTagger.defaultConfiguration!.dropout), mlp "
      + "\(MultilayerPerceptron.defaultConfiguration!.dropout)")

  @Option(name: .long, help: "Rate at which single sparse input features (n-grams) are dropped in training (bilstm).")
  var inputDropout: Setting<Float> = .defaulting(
    to: BiLSTMTagger.defaultConfiguration!.inputDropout)

  @Flag(name: .long, help: "Give every head a linear-chain CRF output (bilstm): the loss defaults to crf (composed half and half with focal-f1 or weighted when --focal-labels or class weights are given), and prediction decodes each document with Viterbi.")
  var crf = false

  @Option(name: .long, help: "Hash buckets for the sparse text features.")
  var buckets: Setting<Int> = .defaulting(to: LineFeaturizer().buckets)

  @Option(name: .long, help: "Character n-gram orders of the text features, as LOW-HIGH.")
  var charNgrams: Setting<String> = .defaulting(to: Self.describe(LineFeaturizer().characterNgrams))

  @Option(name: .long, help: "The largest order of token-shape n-grams (Xxxxx xxxx Xxxx,); 0 for none.")
  var shapeNgrams: Setting<Int> = .defaulting(to: LineFeaturizer().shapeNgrams)

  @Flag(inversion: .prefixedNo, help: "Fold case and diacritics before word and character n-grams. (default: on)")
  var folding: Bool?

  @Flag(inversion: .prefixedNo, help: "Add the nomenclature, citation and measurement detectors as dense features. (default: on)")
  var patterns: Bool?

  /// The model kind's configuration fields the user set.
  var configurationFields: [String: JSONValue] {
    var fields: [String: JSONValue] = [:]
    if let value = hiddenSize.value { fields["hiddenSize"] = .number(Double(value)) }
    if let value = embeddingSize.value { fields["embeddingSize"] = .number(Double(value)) }
    if let value = numLayers.value { fields["numLayers"] = .number(Double(value)) }
    if let value = dropout.value { fields["dropout"] = .number(Double(value)) }
    if let value = inputDropout.value { fields["inputDropout"] = .number(Double(value)) }
    if crf { fields["crf"] = .bool(true) }
    return fields
  }

  /// The featurizer with the options the user set applied over `base`.
  ///
  /// - Throws: `ValidationError` for a malformed `--char-ngrams`.
  func featurizer(over base: LineFeaturizer) throws -> LineFeaturizer {
    var featurizer = base
    if let buckets = buckets.value { featurizer.buckets = buckets }
    if let text = charNgrams.value {
      let bounds = text.split(separator: "-").map { Int($0) }
      guard bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high else {
        throw ValidationError("--char-ngrams '\(text)' must be LOW-HIGH, e.g. 3-5")
      }
      featurizer.characterNgrams = low...high
    }
    if let value = shapeNgrams.value { featurizer.shapeNgrams = value }
    if let value = folding { featurizer.folding = value }
    if let value = patterns { featurizer.patterns = value }
    try featurizer.validate()
    return featurizer
  }

  static func describe(_ range: ClosedRange<Int>) -> String {
    "\(range.lowerBound)-\(range.upperBound)"
  }

  /// Whether any option was given (they cannot change a model being resumed).
  var anyGiven: Bool {
    model.value != nil || !head.isEmpty || windowSize.value != nil
      || predictionStride.value != nil || !configurationFields.isEmpty || buckets.value != nil
      || charNgrams.value != nil || shapeNgrams.value != nil || folding != nil || patterns != nil
  }
}

/// The loss: an expression, and shorthand options that apply to every term with the
/// parameter of that name.
struct LossOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp(
    "Loss expression: terms [weight*]name[(key=value,…)] joined by '+', e.g. '0.7*focal(gamma=2)+0.3*supcon(target=section)'. Losses: see `losskit kinds`.",
    valueName: "expression"))
  var loss: Setting<String> = .unset(
    description: "focal-f1 with --focal-labels, weighted with class weights, crf with --crf; "
      + "else on .ann pages \(LineClassifierConfiguration.pagesLossExpression) with the rare "
      + "labels as focal labels, on CSV cross-entropy")

  @Option(name: .long, help: "Focusing exponent γ of focal losses.")
  var gamma: Setting<Double> = .defaulting(to: FocalLoss().gamma)

  @Option(name: .long, help: "α of focal losses: one value, or one per class separated by commas.")
  var alpha: Setting<String> = .unset(description: "none for focal, 0.25 for binary-focal")

  @Option(name: .long, help: "Label smoothing ε.")
  var labelSmoothing: Setting<Double> = .defaulting(to: FocalLoss().labelSmoothing)

  @Option(name: .long, help: "Labels soft-F1 optimises, separated by commas, e.g. Nomenclature,Description.")
  var focalLabels: String?

  @Option(name: .long, help: "Class-weight strategy (weighted losses; focal α): \(ClassWeightStrategy.choices).")
  var weightStrategy: ClassWeightStrategy?

  @Option(name: .long, help: "A class weight LABEL=W (repeatable).")
  var classWeight: [String] = []

  @Option(name: .long, help: "Temperature τ of contrastive losses.")
  var temperature: Setting<Double> = .defaulting(to: SupervisedContrastiveLoss().temperature)

  /// The expression and the shorthand options, by the losses' parameter names.
  ///
  /// - Throws: `ValidationError` for a malformed `--alpha` or `--class-weight`.
  func configuration(expression fallback: String = "") throws -> LossConfiguration {
    var options: [String: JSONValue] = [:]
    if let value = gamma.value { options["gamma"] = .number(value) }
    if let value = labelSmoothing.value { options["labelSmoothing"] = .number(value) }
    if let value = temperature.value { options["temperature"] = .number(value) }
    if let value = weightStrategy { options["strategy"] = .string(value.description) }
    if let text = alpha.value {
      let values = text.split(separator: ",").map {
        Double($0.trimmingCharacters(in: .whitespaces))
      }
      guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
        throw ValidationError(
          "--alpha '\(text)' must be numbers separated by commas, e.g. 0.25 or 1,2,4")
      }
      options["alpha"] = .array(values.map { .number($0!) })
    }
    if let labels = focalLabels {
      options["focalLabels"] = .array(
        labels.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
    }
    if !classWeight.isEmpty {
      var weights: [String: JSONValue] = [:]
      for entry in classWeight {
        let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let weight = Double(parts[1]) else {
          throw ValidationError(
            "--class-weight '\(entry)' must be LABEL=WEIGHT, e.g. Nomenclature=10")
        }
        weights[parts[0]] = .number(weight)
      }
      options["classWeights"] = .object(weights)
    }
    return LossConfiguration(expression: loss.value ?? fallback, options: options)
  }

  /// Whether any loss option was given.
  var anyGiven: Bool {
    loss.value != nil || gamma.value != nil || alpha.value != nil || labelSmoothing.value != nil
      || focalLabels != nil || weightStrategy != nil || !classWeight.isEmpty
      || temperature.value != nil
  }
}

extension ClassWeightStrategy: ExpressibleByArgument {
  public init?(argument: String) { self.init(argument) }
}

/// The optimizer and the options its configuration owns.
struct OptimizerOptions: ParsableArguments {
  @Option(name: .long, help: "Optimizer: sgd, adam or adamw (see `losskit kinds`).")
  var optimizer: Setting<String> = .defaulting(to: LineClassifierConfiguration().optimizer)

  @Option(name: .long, help: "The optimizer's learning rate.")
  var learningRate: Setting<Double> = .unset(
    description: "the optimizer's: adam \(Adam.defaultConfiguration.learningRate), sgd "
      + "\(SGD.defaultConfiguration.learningRate)")

  @Option(name: .long, help: "Weight decay λ (L2 for sgd and adam, decoupled for adamw).")
  var weightDecay: Setting<Double> = .unset(
    description: "the optimizer's: adamw \(AdamW.defaultConfiguration.weightDecay), else 0")

  @Option(name: .long, help: "SGD momentum μ.")
  var momentum: Setting<Double> = .defaulting(to: SGD.defaultConfiguration.momentum)

  /// The optimizer configuration's fields the user set.
  var configurationFields: [String: JSONValue] {
    var fields: [String: JSONValue] = [:]
    if let value = learningRate.value { fields["learningRate"] = .number(value) }
    if let value = weightDecay.value { fields["weightDecay"] = .number(value) }
    if let value = momentum.value { fields["momentum"] = .number(value) }
    return fields
  }

  /// Whether any option was given.
  var anyGiven: Bool { optimizer.value != nil || !configurationFields.isEmpty }
}

/// How to train.
struct TrainingOptions: ParsableArguments {
  @Option(name: .long, help: "Training epochs (with --resume: more epochs).")
  var epochs: Setting<Int> = .defaulting(to: Trainer.Configuration().epochs)

  @Option(name: .long, help: "Windows (sequence models) or lines (other models) per batch.")
  var batchSize: Setting<Int> = .unset(description: "32 windows or 256 lines")

  @Option(name: .long, help: "Seed for initialisation, dropout, shuffling and the validation split.")
  var seed: UInt64 = Trainer.Configuration().seed

  @Option(name: .long, help: "Epochs without improvement before early stopping; 0 disables.")
  var patience: Int = Trainer.Configuration().patience ?? 0

  @Option(name: .long, help: "Validation metric for early stopping and best weights, e.g. val_macro_f1, val_Nomenclature_f1, val_kind_macro_f1, val_loss.")
  var monitor: String = Trainer.Configuration().monitor
}

/// Builds a classifier configuration from the command-line groups over `defaults`.
enum ConfigurationBuilder {
  static func make(
    data: DataOptions, model: ModelOptions, loss: LossOptions, optimizer: OptimizerOptions,
    training: TrainingOptions, defaults: LineClassifierConfiguration = LineClassifierConfiguration()
  ) throws -> LineClassifierConfiguration {
    var configuration = defaults
    configuration.model = model.model.value ?? defaults.model
    configuration.modelOptions.merge(model.configurationFields) { $1 }
    configuration.windowSize = model.windowSize.value ?? defaults.windowSize
    configuration.predictionStride = model.predictionStride.value ?? defaults.predictionStride
    configuration.heads = try model.head.map {
      try HeadSpecification(parsing: $0, minimumLines: model.minLabelLines)
    }
    configuration.labelColumn = data.labelColumn
    configuration.textColumn = data.textColumn
    configuration.featurizer = try model.featurizer(over: configuration.featurizer)
    configuration.loss = try loss.configuration()
    configuration.optimizer = optimizer.optimizer.value ?? defaults.optimizer
    configuration.optimizerOptions.merge(optimizer.configurationFields) { $1 }
    configuration.trainer.epochs = training.epochs.value ?? defaults.trainer.epochs
    configuration.trainer.batchSize = training.batchSize.value ?? defaults.trainer.batchSize
    configuration.trainer.seed = training.seed
    configuration.trainer.patience = training.patience > 0 ? training.patience : nil
    configuration.trainer.monitor = training.monitor
    return configuration
  }
}
