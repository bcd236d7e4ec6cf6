import LossKitCore

extension ForeignLoss {
  /// The weighted mean of the function over the output's elements, and its gradient from the
  /// declared derivative (``ElementwiseEvaluation``); nothing reaches `gradients` unless every
  /// value and derivative is finite.
  ///
  /// - Throws: ``LossKitCore/LossKitError/invalidSpec(_:)`` when no function is bound;
  ///   shape, label and non-finite input errors;
  ///   ``ElementwiseLossError/nonFiniteResult(loss:prediction:target:value:derivative:element:)``
  ///   when the C function returns a non-finite number.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    guard let function else {
      throw LossKitError.invalidSpec(
        "this foreign loss is not bound to a function; register its declaration with "
          + "ForeignLoss.register(_:into:) and build the loss through the registry")
    }
    let declaration = function.declaration
    let logits = try output(output, in: outputs)
    let laidOut = try self.targets(target, in: targets)
      .elementwiseTargets(like: logits, loss: registryName)
    let targetType = declaration.parameters[1].type
    if targetType.isInteger,
      let bad = laidOut.values.firstIndex(where: { $0.rounded() != $0 })
    {
      throw LossKitError.invalidParameter(
        loss: registryName, name: "targets",
        reason: "the function takes an \(targetType.rawValue) target but element \(bad) is "
          + "\(laidOut.values[bad]); declare the target float or double for soft targets")
    }
    let values = declaration.lossParameters.map { parameters[$0.name] ?? $0.defaultValue! }
    let value = try function.withCall(parameters: values) { call in
      try ElementwiseEvaluation.evaluate(
        logits, named: output, targets: laidOut, input: declaration.input, loss: registryName,
        scale: scale, gradients: &gradients
      ) { prediction, target in call(prediction, target) }
    }
    return LossValue(value)
  }
}
