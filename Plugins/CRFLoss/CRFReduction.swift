/// How ``CRFLoss`` reduces the negative log-likelihoods of the sequences in a batch: the three
/// reductions of pytorch-crf's `CRF.forward`.
///
/// ```
/// sum        = Σ_n NLL_n
/// mean       = Σ_n NLL_n / (number of sequences with at least one counted step)
/// token_mean = Σ_n NLL_n / (number of counted steps)
/// ```
public enum CRFReduction: String, Sendable, Codable, CaseIterable {
  /// The average over sequences (pytorch-crf `mean`); sequences with no counted step are not
  /// counted.
  case mean
  /// The plain sum over sequences (pytorch-crf `sum`, its default).
  case sum
  /// The sum divided by the number of counted steps (pytorch-crf `token_mean`): a per-step
  /// scale like cross-entropy's, whatever the sequence length. LossKit's default.
  case tokenMean = "token_mean"

  /// The factor each sequence's NLL is multiplied by, given the batch's counts; 0 when nothing
  /// is counted.
  func weight(sequences: Int, steps: Int) -> Double {
    switch self {
    case .sum: return sequences > 0 ? 1 : 0
    case .mean: return sequences > 0 ? 1 / Double(sequences) : 0
    case .tokenMean: return steps > 0 ? 1 / Double(steps) : 0
    }
  }
}
