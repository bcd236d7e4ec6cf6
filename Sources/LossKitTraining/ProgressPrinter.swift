import Foundation

/// Prints Keras-style training progress:
///
/// ```
/// Epoch 2/6
/// 432/432 - 43s - loss: 0.4156 - focal: 0.3100 - focal-f1: 0.5200 - accuracy: 0.8012 - val_macro_f1: 0.8500
/// ```
///
/// On a terminal the batch line is a live bar redrawn in place; otherwise (logs, CI) one plain
/// line per epoch. `quiet` prints nothing.
public final class ProgressPrinter: TrainingObserver {
  /// How much to print.
  public enum Style: Sendable {
    /// Nothing.
    case quiet
    /// One line per epoch.
    case lines
    /// A live bar (falls back to lines when standard output is not a terminal).
    case bar
  }

  private let style: Style
  private let isTerminal: Bool
  private var lastDraw = 0.0

  /// Creates a printer.
  public init(style: Style = .bar) {
    self.style = style
    isTerminal = isatty(STDOUT_FILENO) != 0
  }

  /// Prints `Epoch n/N`.
  public func epochStarted(_ epoch: Int, of epochs: Int, batches: Int) {
    guard style != .quiet else { return }
    emit("Epoch \(epoch)/\(epochs)")
    lastDraw = 0
  }

  /// Redraws the live bar (at most ten times a second).
  public func batchFinished(
    _ batch: Int, of batches: Int, seconds: Double, loss: Double, parts: [String: Double]
  ) {
    guard style == .bar, isTerminal, seconds - lastDraw > 0.1 || batch == batches else { return }
    lastDraw = seconds
    let width = 30
    let done = batches == 0 ? width : width * batch / batches
    let bar = String(repeating: "=", count: max(done - 1, 0)) + (done < width ? ">" : "=")
      + String(repeating: ".", count: width - done)
    let line = "\(batch)/\(batches) [\(bar)] - \(Int(seconds))s - loss: "
      + String(format: "%.4f", loss) + Self.format(parts)
    FileHandle.standardOutput.write(Data(("\r" + line + "\u{1B}[K").utf8))
  }

  /// Prints the epoch's summary line.
  public func epochFinished(_ record: TrainingHistory.Epoch, batches: Int) {
    guard style != .quiet else { return }
    if style == .bar && isTerminal { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
    var line = "\(batches)/\(batches) - \(Int(record.seconds.rounded()))s - loss: "
      + String(format: "%.4f", record.loss) + Self.format(record.parts)
    for key in record.metrics.keys.sorted(by: Self.metricOrder) where Self.isShown(key) {
      line += " - \(key): " + String(format: "%.4f", record.metrics[key]!)
    }
    emit(line)
  }

  /// Prints a message.
  public func note(_ message: String) {
    guard style != .quiet else { return }
    emit(message)
  }

  /// Prints a line and flushes, so logs show progress as it happens.
  private func emit(_ line: String) {
    print(line)
    fflush(nil)
  }

  /// The epoch line shows accuracy, losses, macro F1 and per-class F1; the history keeps
  /// every metric.
  private static func isShown(_ key: String) -> Bool {
    key == "accuracy" || key.hasSuffix("loss") || key.hasSuffix("_f1") || key == "val_accuracy"
  }

  private static func format(_ parts: [String: Double]) -> String {
    parts.keys.sorted().map { " - \($0): " + String(format: "%.4f", parts[$0]!) }.joined()
  }

  /// Training metrics first, then validation; macro F1 before per-class values.
  private static func metricOrder(_ a: String, _ b: String) -> Bool {
    func rank(_ key: String) -> Int {
      if !key.hasPrefix("val_") { return 0 }
      if key == "val_loss" { return 1 }
      if key == "val_macro_f1" { return 2 }
      return 3
    }
    return (rank(a), a) < (rank(b), b)
  }
}
