import LossKitKernels

extension ClassIndexScan {
  /// Scans `labels` (``ClassIndexScan/init(labels:classes:ignoreIndex:rowWeights:classWeights:)``)
  /// and throws for the first label that is neither the ignore index nor a class.
  ///
  /// - Parameter loss: The loss name, for the error message.
  /// - Throws: ``LossKitError/labelOutOfRange(loss:label:sample:classCount:ignoreIndex:)``.
  package init(
    labels: UnsafeBufferPointer<Int32>, classes: Int, ignoreIndex: Int32,
    rowWeights: UnsafeBufferPointer<Float>?, classWeights: [Float]?, loss: String
  ) throws {
    self.init(
      labels: labels, classes: classes, ignoreIndex: ignoreIndex, rowWeights: rowWeights,
      classWeights: classWeights)
    if let (sample, label) = firstInvalid {
      throw LossKitError.labelOutOfRange(
        loss: loss, label: Int(label), sample: sample, classCount: classes,
        ignoreIndex: Int(ignoreIndex))
    }
  }
}
