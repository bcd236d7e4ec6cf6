import LossKitCore

/// Where training of a model stands: epochs run, the shuffling stream, the best epoch so
/// far, and which loss trained which epochs. Saved with the model, so training resumes
/// exactly where it stopped.
public struct TrainingState: Sendable {
  /// The best epoch by the monitored metric.
  public struct BestEpoch: Sendable, Codable, Equatable {
    /// The 1-based epoch.
    public var epoch: Int
    /// Its value of the monitored metric.
    public var value: Double
    /// The monitored metric.
    public var monitor: String

    /// Creates a record.
    public init(epoch: Int, value: Double, monitor: String) {
      self.epoch = epoch
      self.value = value
      self.monitor = monitor
    }
  }

  /// Which loss trained a run of epochs.
  public struct LossPeriod: Sendable, Codable, Equatable {
    /// The first epoch it trained.
    public var firstEpoch: Int
    /// The last epoch it trained.
    public var lastEpoch: Int
    /// The loss.
    public var loss: LossSpec

    /// Creates a record.
    public init(firstEpoch: Int, lastEpoch: Int, loss: LossSpec) {
      self.firstEpoch = firstEpoch
      self.lastEpoch = lastEpoch
      self.loss = loss
    }
  }

  /// Epochs trained so far.
  public var epochsTrained = 0
  /// Every epoch's record.
  public var history = TrainingHistory()
  /// The trainer's shuffling stream after the last epoch (`nil` before training).
  public var random: SeededGenerator?
  /// The best epoch so far, when there is validation data.
  public var best: BestEpoch?
  /// The parameters of the best epoch by name, while the model holds other values.
  public var bestWeights: [String: Tensor]?
  /// The parameters after the last epoch by name, when the model holds the best epoch's
  /// instead (training resumes from these).
  public var lastWeights: [String: Tensor]?
  /// Which loss trained which epochs, in order.
  public var lossHistory: [LossPeriod] = []

  /// A state before any training.
  public init() {}
}
