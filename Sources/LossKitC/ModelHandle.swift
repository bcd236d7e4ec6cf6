import Foundation
import LossKit
import Synchronization

/// What a `losskit_model *` points at: a model loaded for inference, its head and class names
/// as C strings that live as long as it, and the lock that serialises its predictions.
///
/// Models cache nothing during an inference forward pass, but they are classes whose state
/// (the dropout stream, caches for training) is not written for concurrent use, and user
/// models may differ: one prediction at a time per model keeps every kind safe. Featurizing
/// the lines runs outside the lock.
final class ModelHandle: Sendable {
  /// One head: its name and class names, as C strings.
  struct Head: @unchecked Sendable {
    let name: UnsafeMutablePointer<CChar>
    let classes: [UnsafeMutablePointer<CChar>]
  }

  /// The model, reached only under ``lock``.
  private let model: Mutex<UncheckedModel>
  /// The heads in head order.
  let heads: [Head]
  /// The pipeline, to featurize lines before taking the lock.
  let pipeline: InputPipeline

  /// A model with its C strings.
  init(_ trained: TrainedModel) {
    heads = trained.targets.map { target in
      Head(name: strdup(target.name)!, classes: target.labels.map { strdup($0)! })
    }
    pipeline = trained.pipeline
    model = Mutex(UncheckedModel(trained: trained))
  }

  deinit {
    for head in heads {
      free(head.name)
      for name in head.classes { free(name) }
    }
  }

  /// The sum of every head's class count.
  var probabilityWidth: Int { heads.reduce(0) { $0 + $1.classes.count } }

  /// Runs `body` with the model, one call at a time.
  func withModel<Result>(_ body: (TrainedModel) throws -> Result) throws -> Result {
    try model.withLock { try body($0.trained) }
  }

  /// The model behind the lock: `TrainedModel` is a class that is not `Sendable`, and the
  /// mutex is what makes sharing it safe.
  struct UncheckedModel: @unchecked Sendable {
    let trained: TrainedModel
  }
}
