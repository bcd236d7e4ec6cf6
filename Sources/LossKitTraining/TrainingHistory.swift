/// What happened in each epoch of training.
public struct TrainingHistory: Sendable, Codable, Equatable {
  /// One epoch.
  public struct Epoch: Sendable, Codable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// The mean training loss.
    public var loss: Double
    /// The mean of each composite part (`focal`, `supcon`, …).
    public var parts: [String: Double]
    /// Training accuracy and validation metrics (`val_loss`, `val_macro_f1`,
    /// `val_Nomenclature_f1`, …).
    public var metrics: [String: Double]
    /// Wall-clock seconds.
    public var seconds: Double
    /// Rows trained per second.
    public var rowsPerSecond: Double
  }

  /// The epochs run.
  public var epochs: [Epoch] = []
  /// The epoch whose weights were kept (restored by early stopping), if any.
  public var bestEpoch: Int?
  /// Why training stopped early, if it did.
  public var stoppedEarly: String?

  /// An empty history.
  public init() {}
}

/// Receives training progress (the Trainer's printing is one implementation).
public protocol TrainingObserver: AnyObject {
  /// An epoch starts.
  func epochStarted(_ epoch: Int, of epochs: Int, batches: Int)
  /// A batch finished; `loss` and `parts` are running means over the epoch so far.
  func batchFinished(_ batch: Int, of batches: Int, seconds: Double, loss: Double, parts: [String: Double])
  /// An epoch finished.
  func epochFinished(_ record: TrainingHistory.Epoch, batches: Int)
  /// A message (early stopping, restored weights).
  func note(_ message: String)
}
