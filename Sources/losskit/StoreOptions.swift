import ArgumentParser
import Foundation
import LossKit

/// A saved model and the data to run it on.
struct ModelDataOptions: ParsableArguments {
  @Option(name: .long, help: "The model: a name in the store, or a folder path (containing '/').")
  var model: String

  @Option(name: .long, help: "Data: .ann, .txt (predict only: every non-blank line) or CSV files, directories or globs (repeatable).")
  var data: [String]

  @Option(name: .long, help: "The label column of CSV files. (default: 'label', else the last column)")
  var labelColumn: String?
}

/// Where named models live, and native loss plugins to load first.
struct StoreOptions: ParsableArguments {
  @Option(name: .long, help: "Model store directory. (default: $LOSSKIT_MODELS, else ~/.losskit/models)")
  var store: String?

  @Option(name: .long, help: "A native loss plugin (shared library) to load before resolving losses (repeatable). (default: none)")
  var plugin: [String] = []

  var modelStore: DirectoryStore {
    DirectoryStore(directory: store.map { URL(fileURLWithPath: $0) })
  }

  /// The standard registry plus every plugin's losses.
  func registry() throws -> LossRegistry {
    var registry = LossRegistry.standard
    for path in plugin { _ = try NativeLossPlugin.load(path: path, into: &registry) }
    return registry
  }
}
