// Loads a model saved by the user-model test from a store, by name, in a fresh process, and
// prints every predicted probability as its bit pattern (so the test compares bit for bit),
// then the optimizer's name and step count.
import Foundation
import LossKit
import LossKitTestModels

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
  FileHandle.standardError.write(Data("usage: losskit-test-reload STORE NAME\n".utf8))
  exit(2)
}
do {
  let store = DirectoryStore(directory: URL(fileURLWithPath: arguments[1]))
  let trained = try store.load(named: arguments[2], registry: UserModelScenario.registry(), for: .training)
  let bits = try UserModelScenario.predictions(trained).map { String($0.bitPattern, radix: 16) }
  print(bits.joined(separator: " "))
  print("\(trained.optimizer!.kind) \(trained.optimizer!.stepCount) \(trained.model.kind)")
} catch {
  FileHandle.standardError.write(Data("\(error)\n".utf8))
  exit(1)
}
