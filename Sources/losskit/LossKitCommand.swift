import ArgumentParser
import LossKit

/// The `losskit` command-line tool.
@main
struct LossKitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "losskit",
    abstract: "Losses for imbalanced classification: compare, train, evaluate, check.",
    subcommands: [
      Compare.self, Train.self, CrossValidate.self, Evaluate.self, Predict.self, Models.self, Inspect.self, Export.self, Kinds.self,
      Losses.self,
      Conformance.self,
    ])
}
