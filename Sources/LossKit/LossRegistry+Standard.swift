extension Registry {
  /// Every built-in: the losses `composite`, `cross-entropy`, `weighted-cross-entropy`,
  /// `focal`, `binary-focal`, `focal-f1`, `supcon` and `crf`; the model kinds `logistic`,
  /// `mlp` and `bilstm`; the optimizers `sgd`, `adam` and `adamw`.
  ///
  /// Copy it and register your own types to extend it:
  ///
  /// ```swift
  /// var registry = Registry.standard
  /// try registry.register(HingeLoss.self)
  /// try registry.register(TinyTagger.self)
  /// ```
  public static let standard: Registry = {
    var registry = Registry()
    do {
      try registry.register(CrossEntropyLoss.self)
      try registry.register(WeightedCrossEntropyLoss.self)
      try registry.register(FocalLoss.self)
      try registry.register(BinaryFocalLoss.self)
      try registry.register(FocalF1Loss.self)
      try registry.register(SupervisedContrastiveLoss.self)
      try registry.register(CRFLoss.self)
      try registry.register(LogisticRegression.self)
      try registry.register(MultilayerPerceptron.self)
      try registry.register(BiLSTMTagger.self)
      try registry.register(SGD.self)
      try registry.register(Adam.self)
      try registry.register(AdamW.self)
    } catch {
      preconditionFailure("registering the built-ins failed: \(error)")
    }
    return registry
  }()
}

extension KindRegistry where Product == any Loss {
  /// Every built-in loss (``Registry/standard``'s losses).
  public static var standard: LossRegistry { Registry.standard.losses }
}
