import ArgumentParser
import Foundation
import LossKit

/// `losskit models`: the models in the store.
struct Models: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "List the models in the store.")

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    let store = try storeOptions.modelStore()
    let names = try store.names()
    guard !names.isEmpty else {
      print("No models in \(store.location); save one with `losskit train … --save NAME`.")
      return
    }
    for name in names {
      let manifest: ModelManifest
      do {
        manifest = try store.manifest(named: name)
      } catch {
        print("\(name)\tunreadable: \(error)")
        continue
      }
      let test = manifest.metrics["test"] ?? [:]
      let f1 = test["macro_f1"].map { String(format: "test macro F1 %.4f", $0) } ?? ""
      let heads = manifest.targets.map { "\($0.name)[\($0.labels.joined(separator: ","))]" }
      print(
        [
          name, manifest.model.component.kind, manifest.loss?.name ?? "-",
          "\(manifest.training.epochsTrained) epochs", heads.joined(separator: " "), f1,
        ].joined(separator: "\t"))
    }
  }
}

/// `losskit inspect`: a saved model's manifest, summarised.
struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Summarise a saved model: model, heads, loss tree with parameters, optimizer, metrics.")

  @Argument(help: "A name in the store, a folder path (containing '/'), a single-file model, or redis://HOST:PORT[/DB]/NAME.")
  var model: String

  @Flag(name: .long, help: "List every stored tensor: name, shape, first and last value, sum.")
  var weights = false

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    let source = try storeOptions.source(model)
    guard weights else {
      print(try source.manifest().summary)
      return
    }
    for tensor in try SavedModel.tensorSummaries(try source.files(), source: source.path) {
      print(
        [
          tensor.name, tensor.shape.map(String.init).joined(separator: "x"),
          String(format: "%.9g", tensor.first), String(format: "%.9g", tensor.last),
          String(format: "%.17g", tensor.sum),
        ].joined(separator: "\t"))
    }
  }
}
