import Foundation
import LossKitCore
import LossKitData
import LossKitTraining

/// An inference-only copy of a saved model: its parameters, targets, pipeline, calibration,
/// loss description and metrics, without the optimizer state, the last epoch's weights
/// (`training/last/`) or bundled loss libraries: what `losskit export` writes.
///
/// With Adam the optimizer keeps two moments per weight, so the export is about a third of
/// the trainable save (a quarter when the save also holds the last epoch's weights); `F16`
/// weights halve it again. An export loads for prediction and evaluation like any saved
/// model; loading it for training is an error that says it was exported.
///
/// ```swift
/// let export = try InferenceExport(
///   trained, elementType: .float16, checkingOn: validation, registry: .standard)
/// try store.write(export.files, named: "skol-small")
/// print(export.check!.largestChange)   // how far float16 moved the macro F1
/// ```
public struct InferenceExport {
  /// How far the macro F1 of a `F16` export may move from the `F32` model's unless told
  /// otherwise.
  public static let defaultTolerance = 0.002

  /// The macro F1 of one head before and after the weights were narrowed to `F16`.
  public struct HeadCheck: Sendable, Equatable {
    /// The target set.
    public var name: String
    /// The macro F1 of the `F32` model on the checking data.
    public var before: Double
    /// The macro F1 of the `F16` export on the same data.
    public var after: Double
  }

  /// The macro F1 of every head before and after the weights were narrowed to `F16`.
  public struct Check: Sendable, Equatable {
    /// The target sets in head order.
    public var heads: [HeadCheck]
    /// How many rows the check predicted.
    public var rowCount: Int

    /// The largest change of any head's macro F1 (absolute).
    public var largestChange: Double {
      heads.map { abs($0.after - $0.before) }.max() ?? 0
    }

    /// Per head, `before → after (change)`, as the command line prints it.
    public var description: String {
      heads.map {
        let prefix = heads.count > 1 ? "\($0.name): " : ""
        return prefix
          + String(format: "%.4f → %.4f (%+.4f)", $0.before, $0.after, $0.after - $0.before)
      }.joined(separator: ", ")
    }
  }

  /// The exported model's files.
  public var files: ModelFiles
  /// How the weights are stored.
  public var elementType: Safetensors.ElementType
  /// The `F16` check, or `nil` for an `F32` export (whose weights are the same bits).
  public var check: Check?

  /// Exports a trained model for inference.
  ///
  /// - Parameters:
  ///   - trained: The model (loaded for inference or training).
  ///   - elementType: `.float16` narrows the weights; it needs labelled `checkingOn` data.
  ///   - data: Labelled data (the validation data) on which the `F16` export must reach
  ///     the macro F1 of the model within `tolerance`.
  ///   - tolerance: The largest change of any head's macro F1 accepted.
  ///   - registry: Resolves the model kind when the export is read back for the check.
  /// - Throws: ``ExportError/float16NeedsData`` without data,
  ///   ``ExportError/float16ChangedF1(check:tolerance:)`` when the check fails (nothing is
  ///   returned to write), ``ArchiveError/writeFailed(path:reason:)`` for a weight beyond
  ///   `F16`'s range, and data errors.
  public init(
    _ trained: TrainedModel, elementType: Safetensors.ElementType = .float32,
    checkingOn data: LoadedData? = nil, tolerance: Double = InferenceExport.defaultTolerance,
    registry: Registry
  ) throws {
    let copy = TrainedModel(
      model: trained.model, loss: trained.loss, optimizer: nil, targets: trained.targets,
      pipeline: trained.pipeline, trainer: trained.trainer, state: trained.state,
      calibration: trained.calibration, metrics: trained.metrics, recipe: trained.recipe)
    copy.state.lastWeights = nil
    copy.state.bestWeights = nil
    files = try SavedModel.encode(copy, elementType: elementType)
    self.elementType = elementType
    guard elementType == .float16 else { return }
    guard let data else { throw ExportError.float16NeedsData }
    let corpus = try trained.corpus(data)
    let before = try trained.evaluate(corpus)
    let narrowed = try SavedModel.decode(
      files, source: "the float16 export", registry: registry, for: .inference)
    let after = try narrowed.evaluate(corpus)
    let check = Check(
      heads: trained.targets.compactMap { target in
        guard let old = before[target.name], let new = after[target.name] else { return nil }
        return HeadCheck(name: target.name, before: old.macroF1, after: new.macroF1)
      }, rowCount: corpus.rowCount)
    guard check.largestChange <= tolerance else {
      throw ExportError.float16ChangedF1(check: check, tolerance: tolerance)
    }
    self.check = check
  }
}

/// Why an inference-only export was refused.
public enum ExportError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  /// `F16` weights were asked for without data to check them on.
  case float16NeedsData
  /// Narrowing the weights to `F16` moved a head's macro F1 by more than the tolerance.
  case float16ChangedF1(check: InferenceExport.Check, tolerance: Double)

  /// The problem and what to do.
  public var description: String {
    switch self {
    case .float16NeedsData:
      return "--float16 needs labelled data to check that the macro F1 stays within "
        + "\(InferenceExport.defaultTolerance): give the validation data with --data "
        + "FILE_OR_GLOB, or export without --float16"
    case .float16ChangedF1(let check, let tolerance):
      return "float16 weights move the macro F1 on the \(check.rowCount) checked rows by "
        + String(format: "%.4f", check.largestChange) + " (\(check.description)), more than "
        + "the \(tolerance) allowed; nothing was written: export without --float16, or allow "
        + "more with --max-f1-change"
    }
  }

  /// The same text as ``description``.
  public var errorDescription: String? { description }
}
