import Foundation
import LossKit
import LossKitTesting
import LossKitTestModels
import Testing

@Suite struct UserModelTests {
  static let reload = ProcessRunner.builtProgram("losskit-test-reload")

  @Test(
    "a model and an optimizer defined outside LossKit train with 0.7*focal+0.3*supcon on two named targets, save by name and predict bit for bit the same in a new process",
    .enabled(if: FileManager.default.fileExists(atPath: reload.path), "skipped: losskit-test-reload is not built"))
  func userModelInANewProcess() throws {
    let registry = try UserModelScenario.registry()
    let targets = UserModelScenario.targets
    let model = try registry.models.make(
      named: "tiny-tagger",
      parameters: [
        "input": try JSONValue(encoding: UserModelScenario.pipeline.inputShape),
        "heads": try JSONValue(encoding: targets.map { HeadShape(name: $0.name, classes: $0.labels.count) }),
        "width": 8, "seed": 3,
      ])
    let trained = TrainedModel(
      model: model, loss: UnresolvedLoss(),
      optimizer: try registry.optimizers.make(named: "sign-momentum", parameters: ["learningRate": 0.02]),
      targets: targets, pipeline: UserModelScenario.pipeline,
      trainer: Trainer.Configuration(epochs: 2, batchSize: 32, seed: 4))
    trained.loss = try LossConfiguration(expression: "0.7*focal+0.3*supcon(target=kind)")
      .makeLoss(registry: registry.losses, heads: try trained.lossHeads())
    let training = try UserModelScenario.corpus(seed: 1)
    let history = try trained.fit(training, validation: try UserModelScenario.corpus(seed: 2), observer: nil)
    #expect(history.epochs.last!.parts.keys.sorted() == ["focal(logits_kind)", "focal(logits_long)", "supcon"])
    #expect(history.epochs.last!.metrics["val_kind_macro_f1"] != nil)
    #expect(history.epochs.last!.metrics["val_long_macro_f1"] != nil)

    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try DirectoryStore(directory: directory).save(trained, named: "user-model")
    let expected = try UserModelScenario.predictions(trained).map { String($0.bitPattern, radix: 16) }
    let (output, status) = try Fixture.run(Self.reload, [directory.path, "user-model"])
    #expect(status == 0, "\(output)")
    let lines = output.split(separator: "\n").map(String.init)
    #expect(lines.first == expected.joined(separator: " "))
    #expect(lines.last == "sign-momentum \(trained.optimizer!.stepCount) tiny-tagger")

    // Without the registrations, a fresh registry names what to register.
    do {
      _ = try DirectoryStore(directory: directory).load(named: "user-model", registry: .standard, for: .inference)
      Issue.record("expected an unknown model kind")
    } catch {
      #expect("\(error)".contains("unknown model kind 'tiny-tagger'") && "\(error)".contains("registry.register(MyModel.self)"))
    }
  }
}
