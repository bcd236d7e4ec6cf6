extension LossRegistry {
  /// Every built-in loss: `composite`, `cross-entropy`, `weighted-cross-entropy`, `focal`,
  /// `binary-focal`, `focal-f1` and `supcon`.
  ///
  /// Copy it and register your own types to extend it:
  ///
  /// ```swift
  /// var registry = LossRegistry.standard
  /// try registry.register(HingeLoss.self)
  /// ```
  public static let standard: LossRegistry = {
    var registry = LossRegistry()
    do {
      try registry.register(CrossEntropyLoss.self)
      try registry.register(WeightedCrossEntropyLoss.self)
      try registry.register(FocalLoss.self)
      try registry.register(BinaryFocalLoss.self)
      try registry.register(FocalF1Loss.self)
      try registry.register(SupervisedContrastiveLoss.self)
      try registry.register(CRFLoss.self)
    } catch {
      preconditionFailure("registering the built-in losses failed: \(error)")
    }
    return registry
  }()
}
