import Foundation

/// A printable table of label frequencies and the class weights applied, like the one the
/// seed's classifier prints before training.
///
/// ```
/// Class weights (inverse):
///   Label            Count   Share    Weight
///   Nomenclature      5783   3.8 %   10.0000
///   Description      21736  14.3 %    2.6606
///   Misc            124519  81.9 %    0.4644
/// ```
public struct ClassWeightSummary: Sendable, Equatable, CustomStringConvertible {
  /// The label names, in class-index order.
  public var labels: [String]
  /// Samples per class.
  public var counts: [Int]
  /// The weight applied to each class.
  public var weights: [Double]
  /// Where the weights came from (`inverse`, `explicit`, …).
  public var source: String

  /// Creates a summary.
  public init(labels: [String], counts: [Int], weights: [Double], source: String) {
    self.labels = labels
    self.counts = counts
    self.weights = weights
    self.source = source
  }

  /// The table as text.
  public var description: String {
    let total = max(counts.reduce(0, +), 1)
    let width = max(12, labels.map(\.count).max() ?? 0)
    var lines = ["Class weights (\(source)):"]
    lines.append(
      "  " + "Label".padding(toLength: width, withPad: " ", startingAt: 0)
        + "    Count   Share    Weight")
    for (index, label) in labels.enumerated() {
      let count = index < counts.count ? counts[index] : 0
      let weight = index < weights.count ? weights[index] : 1
      let share = 100 * Double(count) / Double(total)
      lines.append(
        "  " + label.padding(toLength: width, withPad: " ", startingAt: 0)
          + String(format: " %8d %6.1f %% %9.4f", count, share, weight))
    }
    return lines.joined(separator: "\n")
  }
}
