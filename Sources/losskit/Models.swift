import ArgumentParser
import Foundation
import LossKit

/// `losskit models`: the models in the store.
struct Models: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "List the models in the store.")

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    let store = storeOptions.modelStore
    let entries = store.list()
    guard !entries.isEmpty else {
      print("No models in \(store.directory.path); save one with `losskit train … --save NAME`.")
      return
    }
    for entry in entries {
      guard let manifest = entry.manifest else {
        print("\(entry.name)\tunreadable: \(entry.problem ?? "?")")
        continue
      }
      let f1 = manifest.metrics["test"]?["macro_f1"].map { String(format: "test macro F1 %.4f", $0) } ?? ""
      print([entry.name, manifest.model.kind, manifest.loss?.name ?? "-", "\(manifest.epochsTrained) epochs",
             manifest.labels.joined(separator: ","), f1].joined(separator: "\t"))
    }
  }
}

/// `losskit inspect`: a saved model's manifest, summarised.
struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Summarise a saved model: model, labels, loss tree with parameters, metrics.")

  @Argument(help: "A name in the store, or a folder path (containing '/').")
  var model: String

  @Flag(name: .long, help: "List every stored tensor: name, shape, first and last value, sum.")
  var weights = false

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    let folder = try storeOptions.modelStore.location(of: model)
    guard weights else {
      print(try SavedModel.manifest(at: folder).summary)
      return
    }
    for tensor in try SavedModel.tensorSummaries(at: folder) {
      print([tensor.name, tensor.shape.map(String.init).joined(separator: "x"),
             String(format: "%.9g", tensor.first), String(format: "%.9g", tensor.last),
             String(format: "%.17g", tensor.sum)].joined(separator: "\t"))
    }
  }
}

/// `losskit losses`: every registered loss with its parameters and defaults.
struct Losses: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every registered loss (built-in and plugins) with its parameters and defaults.")

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    for entry in try storeOptions.registry().registeredEntries {
      print("\(entry.name) (v\(entry.version)): \(entry.summary)")
      for (key, value) in (entry.defaults.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
        print("    \(key) = \(value.compactText)")
      }
    }
    print("\nExpressions combine them: '0.7*focal+0.3*weighted'. Short names: "
          + LossConfiguration.aliases.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
  }
}
