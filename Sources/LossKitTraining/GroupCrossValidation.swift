import Dispatch
import LossKitCore
import LossKitData

/// Leave-one-group-out evaluation: for each group of documents (a journal, by default), train
/// a fresh ``LineClassifier`` on every other group and test it on the one held out. With
/// journals as groups this is the honest proxy for pages of a journal no model has seen.
///
/// ```swift
/// let folds = try GroupCrossValidation(configuration, registry: .standard)
///   .run(try LoadedData.load(["../shared/data/skol"]), grouping: .journal)
/// folds.map { ($0.group, $0.reports["labels"]!.macroF1) }
/// ```
///
/// Every fold trains with the same options and seed; validation for early stopping comes from
/// the training groups only (the configuration's validation fraction of their documents), so
/// nothing of the held-out group is seen before the test.
public struct GroupCrossValidation {
  /// The recipe every fold trains.
  public let configuration: LineClassifierConfiguration
  /// Where model kinds, optimizers and losses resolve.
  public let registry: Registry

  /// One held-out group's results.
  public struct Fold: Sendable {
    /// The group held out and tested on.
    public var group: String
    /// Rows trained on (the other groups).
    public var trainingRows: Int
    /// Rows tested on.
    public var testRows: Int
    /// The test report of every head.
    public var reports: [String: ClassificationReport]
    /// Epochs trained and the epoch whose weights were kept.
    public var epochs: Int
    /// The epoch whose weights were kept, when early stopping tracked one.
    public var bestEpoch: Int?
    /// Wall-clock seconds for training and testing.
    public var seconds: Double
  }

  /// Validates the recipe once, as ``LineClassifier/init(_:registry:)`` does.
  ///
  /// - Throws: ``LossKitError`` for an unknown kind or a bad option.
  public init(_ configuration: LineClassifierConfiguration, registry: Registry) throws {
    _ = try LineClassifier(configuration, registry: registry)
    self.configuration = configuration
    self.registry = registry
  }

  /// Trains and tests one fold per group.
  ///
  /// - Parameters:
  ///   - data: Labelled documents of at least two groups.
  ///   - grouping: How documents form groups.
  ///   - only: Hold out only these groups (all when empty); each must exist.
  ///   - observer: Progress for each fold's training.
  ///   - foldFinished: Called after each fold with its model, for progress output or saving.
  /// - Throws: ``DataError/badGrouping(_:reason:)`` when there are fewer than two groups or
  ///   `only` names a missing one, and training errors.
  public func run(
    _ data: LoadedData, grouping: DocumentGrouping, only: [String] = [],
    observer: (any TrainingObserver)? = nil,
    foldFinished: (Fold, TrainedModel) throws -> Void = { _, _ in }
  ) throws -> [Fold] {
    let groups = data.grouped(by: grouping)
    guard groups.count >= 2 else {
      throw DataError.badGrouping(
        grouping.rawValue,
        reason: "the data forms \(groups.count) group (\(groups.map(\.name).joined())); give "
          + "data from at least two, e.g. --data ../shared/data/skol for its two journals, or "
          + "choose --group folder or --group file")
    }
    let names = groups.map(\.name)
    if let missing = only.first(where: { !names.contains($0) }) {
      throw DataError.badGrouping(
        grouping.rawValue,
        reason: "there is no group '\(missing)'; the groups are \(names.joined(separator: ", "))")
    }
    var folds: [Fold] = []
    for (index, held) in groups.enumerated() where only.isEmpty || only.contains(held.name) {
      let started = DispatchTime.now().uptimeNanoseconds
      let rest = groups.indices.filter { $0 != index }.map { groups[$0].data }
      let training = LoadedData.joining(rest)
      let classifier = try LineClassifier(configuration, registry: registry)
      let result = try classifier.fit(training: training, test: held.data, observer: observer)
      let fold = Fold(
        group: held.name, trainingRows: training.rowCount, testRows: held.data.rowCount,
        reports: result.testReports, epochs: result.history.epochs.count,
        bestEpoch: result.history.bestEpoch,
        seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
      if let trained = classifier.trained { try foldFinished(fold, trained) }
      folds.append(fold)
    }
    return folds
  }
}

extension LoadedData {
  /// Several loads of one kind as one, documents in order (annotated pages when empty).
  static func joining(_ parts: [LoadedData]) -> LoadedData {
    var pages: [AnnotatedDocument] = []
    var tables: [CSVTable] = []
    for part in parts {
      switch part {
      case .annotated(let documents): pages += documents
      case .tables(let more): tables += more
      }
    }
    return tables.isEmpty ? .annotated(pages) : .tables(tables)
  }
}
