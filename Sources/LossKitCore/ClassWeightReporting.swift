/// A loss that applies class weights and can show them as a table (label, count, share,
/// weight), so training logs say what the weights were.
public protocol ClassWeightReporting {
  /// The table for a data set, or `nil` when no weights apply.
  func classWeightSummary(for context: LossContext) -> String?
}
